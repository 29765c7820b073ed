package io.jnvme.transport.vfio;

/**
 * What kept a VFIO device from opening, or from mapping memory. Each value's message is documented
 * in {@code docs/VFIO.md} and checked word for word by the tests. These are jnvme's own
 * classifications, not codes a device reports, so a closed enum fits.
 *
 * @since 1.0
 */
public enum VfioProblem {
  /** The address is not a PCI address ({@code DDDD:BB:DD.F}). */
  INVALID_ADDRESS,
  /** No PCI device has this address. */
  NO_SUCH_DEVICE,
  /** The device is not an NVMe controller (PCI class 01:08:02). */
  NOT_NVME,
  /** The device has no IOMMU group: the IOMMU is off and no-IOMMU mode is not enabled. */
  NO_IOMMU_GROUP,
  /** The device is bound to another driver (or none) instead of vfio-pci. */
  NOT_BOUND_TO_VFIO_PCI,
  /** {@code /dev/vfio/vfio} or the group's device node does not exist. */
  VFIO_UNAVAILABLE,
  /** The process may not open the VFIO device nodes, or lacks CAP_SYS_RAWIO for no-IOMMU mode. */
  NO_PERMISSION,
  /** Another device of the IOMMU group is bound to a host driver. */
  GROUP_NOT_VIABLE,
  /** RLIMIT_MEMLOCK is too low to pin the DMA memory, and the process lacks CAP_IPC_LOCK. */
  MEMLOCK_TOO_LOW,
  /** The device offers no MSI-X vectors. */
  NO_MSIX,
  /** The group or the device is already open, in another process or this one. */
  DEVICE_BUSY,
  /** The kernel's VFIO lacks what jnvme needs (API version, IOMMU model, a vfio-pci device). */
  UNSUPPORTED,
  /** The device cannot reach the memory: an IOVA outside the IOMMU's ranges, or overlapping. */
  DMA_MAPPING,
  /** A system call failed for another reason; the message names the call and errno. */
  SYSTEM_CALL,
  /** JNA or the C library cannot be loaded, or this is not 64-bit Linux. */
  NATIVE_UNAVAILABLE
}
