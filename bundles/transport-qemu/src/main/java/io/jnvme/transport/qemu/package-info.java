/**
 * The QEMU transport: QEMU's own NVMe controller model ({@code hw/nvme}, QEMU 7.2) driven over
 * QEMU's qtest socket, with guest RAM shared through a file, as a {@link io.jnvme.device.Device}.
 *
 * <p>{@link io.jnvme.transport.qemu.QemuInstance} launches {@code qemu-system-x86_64} from a
 * {@link io.jnvme.transport.qemu.QemuConfig} (RAM size, namespaces on image files or QEMU's null
 * driver, a subsystem for namespace attach and detach) and cleans up after it;
 * {@link io.jnvme.transport.qemu.QemuMachine} attaches a process to a running instance and hands
 * out the device and the page pool (the guest RAM) that DMA memory must come from. A driver
 * process can exit, with or without saving, and a new one attach and take the controller over
 * without a reset: after a save through the driver's own restore, after a crash through
 * {@link io.jnvme.transport.qemu.QemuMachine#recover}.
 *
 * <p>How the controller is reached: PCI configuration cycles through I/O ports 0xCF8/0xCFC, BAR 0
 * and doorbells through qtest {@code readl}/{@code writel}, queues and data in guest RAM mapped
 * directly, interrupts as MSI-X messages pointed into guest RAM and polled. QEMU 7.2 lacks
 * reservations and Namespace Management (both answer Invalid Command Opcode, although Identify
 * Controller OACS advertises Namespace Management); see {@code QEMU.md} in the design notes for
 * every measured detail.
 *
 * @since 1.0
 */
@Export
@Version("1.0.0")
package io.jnvme.transport.qemu;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
