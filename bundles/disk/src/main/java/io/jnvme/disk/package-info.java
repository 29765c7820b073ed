/**
 * Block devices: {@link io.jnvme.disk.BlockDevice}, one OSGi service per exposed NVMe namespace,
 * addressed in bytes. Requests of any size and alignment are split at the namespace's transfer
 * limit; writes that do not cover whole logical blocks are completed by read-modify-write. Failures
 * are the sealed {@link io.jnvme.disk.DiskException} hierarchy, which carries the NVMe status
 * unchanged where the device returned one.
 */
@Export
@Version("1.0.0")
package io.jnvme.disk;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
