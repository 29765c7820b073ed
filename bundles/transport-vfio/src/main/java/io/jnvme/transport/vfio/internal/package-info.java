/**
 * The VFIO transport in plain Java: precondition checks on sysfs, the container, group and device
 * setup, the BAR window, MSI-X interrupts on eventfds and IOMMU mappings, all over the calls of
 * {@link io.jnvme.transport.vfio.internal.VfioSys}. Not exported.
 */
package io.jnvme.transport.vfio.internal;
