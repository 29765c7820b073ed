/**
 * The VFIO transport's API: {@link io.jnvme.transport.vfio.VfioTransport} opens a PCIe NVMe
 * controller bound to vfio-pci as a {@link io.jnvme.device.Device}, with
 * {@link io.jnvme.transport.vfio.VfioOptions}; failures are
 * {@link io.jnvme.transport.vfio.VfioException}s whose
 * {@link io.jnvme.transport.vfio.VfioProblem} says which precondition is missing.
 *
 * <p>Kernel interface: linux/vfio.h (VFIO API version 0), the type1 IOMMU and no-IOMMU models,
 * vfio-pci's region and IRQ indexes, MSI-X through eventfds.
 */
@Export
@Version("1.0.0")
package io.jnvme.transport.vfio;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
