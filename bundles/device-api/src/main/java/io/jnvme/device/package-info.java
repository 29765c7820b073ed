/**
 * The device SPI (what a transport implements: {@link io.jnvme.device.Device},
 * {@link io.jnvme.device.RegisterIo}, {@link io.jnvme.device.DeviceInterrupt}) and the DMA SPI
 * (what an allocator implements: {@link io.jnvme.device.DmaClientProvider},
 * {@link io.jnvme.device.DmaClient}, {@link io.jnvme.device.MemoryBlock}).
 *
 * <p>The driver consumes both and knows nothing else about hardware. All memory shared with a
 * device is reached through {@link io.jnvme.device.MemoryBlock}, whose accessors are the one
 * place where memory ordering is decided.
 */
@Export
@Version("1.0.0")
package io.jnvme.device;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
