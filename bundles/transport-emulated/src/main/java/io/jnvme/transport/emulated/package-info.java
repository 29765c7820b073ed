/**
 * An in-process NVMe 2.0 controller that implements the {@link io.jnvme.device.Device} SPI: the
 * embedded default device and the main test device of the driver.
 *
 * <p>{@link io.jnvme.transport.emulated.EmulatedController} is built with a builder and hands out
 * its {@link io.jnvme.transport.emulated.EmulatedController#device() Device}. Namespaces are
 * {@link io.jnvme.transport.emulated.EmulatedNamespace}s on memory, a file, or nothing at all (a
 * null namespace for measuring the driver alone), and can be added, removed and resized while the
 * controller runs, which the host learns through asynchronous events and the Changed Namespace
 * List. Tests steer the controller through its {@link io.jnvme.transport.emulated.FaultInjector}
 * (match a command, then drop, delay or fail it, or corrupt its completion; make the controller
 * fatal, absent or never ready) and check what reached it in its
 * {@link io.jnvme.transport.emulated.CommandLog}.
 *
 * <p>Spec revision: NVM Express Base Specification 2.0 and NVM Command Set Specification 1.0, PCIe
 * transport, memory page size 4 KiB (CC.MPS = 0), PRPs only (no SGLs).
 */
@Export
@Version("1.0.0")
package io.jnvme.transport.emulated;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
