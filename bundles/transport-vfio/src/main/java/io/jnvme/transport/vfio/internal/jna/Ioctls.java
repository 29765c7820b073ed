package io.jnvme.transport.vfio.internal.jna;

/**
 * ioctl request numbers of linux/vfio.h, computed with the arithmetic of the kernel's
 * {@code _IOC} macros (asm-generic/ioctl.h, which x86-64, aarch64 and riscv64 use), and the VFIO
 * constants the transport passes or checks. {@code VfioAbiProbeTest} compares every value here
 * with what a C program compiled against the installed linux/vfio.h prints.
 *
 * <p>Every VFIO ioctl is declared with {@code _IO}: no direction and no size in the number, because
 * the structures carry their own size in {@code argsz} and grow at the end.
 */
public final class Ioctls {
  private Ioctls() {}

  /** {@code _IOC_NRSHIFT}: the number's low 8 bits. */
  static final int NR_SHIFT = 0;
  /** {@code _IOC_TYPESHIFT}: the "magic" type, 8 bits. */
  static final int TYPE_SHIFT = 8;
  /** {@code _IOC_SIZESHIFT}: 14 bits of argument size. */
  static final int SIZE_SHIFT = 16;
  /** {@code _IOC_DIRSHIFT}: 2 bits of direction. */
  static final int DIR_SHIFT = 30;
  /** {@code _IOC_NONE}. */
  static final int DIR_NONE = 0;
  /** {@code _IOC_WRITE}: user space writes, the kernel reads. */
  static final int DIR_WRITE = 1;
  /** {@code _IOC_READ}. */
  static final int DIR_READ = 2;

  /** {@code _IOC(dir, type, nr, size)}. */
  static int ioc(int dir, int type, int nr, int size) {
    return (dir << DIR_SHIFT) | (type << TYPE_SHIFT) | (nr << NR_SHIFT) | (size << SIZE_SHIFT);
  }

  /** {@code _IO(type, nr)}. */
  static int io(int type, int nr) {
    return ioc(DIR_NONE, type, nr, 0);
  }

  /** {@code _IOW(type, nr, size)}; VFIO itself uses only _IO (see the class comment). */
  static int iow(int type, int nr, int size) {
    return ioc(DIR_WRITE, type, nr, size);
  }

  /** {@code _IOR(type, nr, size)}. */
  static int ior(int type, int nr, int size) {
    return ioc(DIR_READ, type, nr, size);
  }

  /** {@code VFIO_TYPE}: the ioctl magic, the character ';'. */
  public static final int VFIO_TYPE = ';';
  /** {@code VFIO_BASE}. */
  public static final int VFIO_BASE = 100;

  /** {@code VFIO_API_VERSION}: what VFIO_GET_API_VERSION returns. */
  public static final int VFIO_API_VERSION = 0;

  // Container (/dev/vfio/vfio) ioctls.
  public static final int VFIO_GET_API_VERSION = io(VFIO_TYPE, VFIO_BASE);
  /** Argument by value: the extension, e.g. {@link #VFIO_TYPE1v2_IOMMU}; returns 1 if present. */
  public static final int VFIO_CHECK_EXTENSION = io(VFIO_TYPE, VFIO_BASE + 1);
  /** Argument by value: the IOMMU model. */
  public static final int VFIO_SET_IOMMU = io(VFIO_TYPE, VFIO_BASE + 2);
  // Group (/dev/vfio/N) ioctls.
  /** Argument: {@code struct vfio_group_status}. */
  public static final int VFIO_GROUP_GET_STATUS = io(VFIO_TYPE, VFIO_BASE + 3);
  /** Argument: a pointer to the container's fd ({@code __s32}). */
  public static final int VFIO_GROUP_SET_CONTAINER = io(VFIO_TYPE, VFIO_BASE + 4);
  /** Argument: the device name, a NUL-terminated string; returns the device fd. */
  public static final int VFIO_GROUP_GET_DEVICE_FD = io(VFIO_TYPE, VFIO_BASE + 6);
  // Device ioctls.
  /** Argument: {@code struct vfio_device_info}. */
  public static final int VFIO_DEVICE_GET_INFO = io(VFIO_TYPE, VFIO_BASE + 7);
  /** Argument: {@code struct vfio_region_info} (plus room for its capability chain). */
  public static final int VFIO_DEVICE_GET_REGION_INFO = io(VFIO_TYPE, VFIO_BASE + 8);
  /** Argument: {@code struct vfio_irq_info}. */
  public static final int VFIO_DEVICE_GET_IRQ_INFO = io(VFIO_TYPE, VFIO_BASE + 9);
  /** Argument: {@code struct vfio_irq_set} followed by its data. */
  public static final int VFIO_DEVICE_SET_IRQS = io(VFIO_TYPE, VFIO_BASE + 10);
  /** No argument. */
  public static final int VFIO_DEVICE_RESET = io(VFIO_TYPE, VFIO_BASE + 11);
  // Type1 IOMMU ioctls, on the container.
  /** Argument: {@code struct vfio_iommu_type1_info} (plus room for its capability chain). */
  public static final int VFIO_IOMMU_GET_INFO = io(VFIO_TYPE, VFIO_BASE + 12);
  /** Argument: {@code struct vfio_iommu_type1_dma_map}. */
  public static final int VFIO_IOMMU_MAP_DMA = io(VFIO_TYPE, VFIO_BASE + 13);
  /** Argument: {@code struct vfio_iommu_type1_dma_unmap}; the kernel writes back the size. */
  public static final int VFIO_IOMMU_UNMAP_DMA = io(VFIO_TYPE, VFIO_BASE + 14);

  // Extensions and IOMMU models.
  public static final int VFIO_TYPE1_IOMMU = 1;
  public static final int VFIO_TYPE1v2_IOMMU = 3;
  /** The unsafe no-IOMMU model: DMA to physical addresses, no translation, no isolation. */
  public static final int VFIO_NOIOMMU_IOMMU = 8;

  // vfio_group_status.flags
  public static final int VFIO_GROUP_FLAGS_VIABLE = 1;
  public static final int VFIO_GROUP_FLAGS_CONTAINER_SET = 1 << 1;

  // vfio_device_info.flags
  public static final int VFIO_DEVICE_FLAGS_RESET = 1;
  public static final int VFIO_DEVICE_FLAGS_PCI = 1 << 1;

  // vfio_region_info.flags
  public static final int VFIO_REGION_INFO_FLAG_READ = 1;
  public static final int VFIO_REGION_INFO_FLAG_WRITE = 1 << 1;
  public static final int VFIO_REGION_INFO_FLAG_MMAP = 1 << 2;
  public static final int VFIO_REGION_INFO_FLAG_CAPS = 1 << 3;
  /** Region capability: the parts of a region that may be mmapped. */
  public static final int VFIO_REGION_INFO_CAP_SPARSE_MMAP = 1;
  /** Region capability: the MSI-X table of this BAR may be mmapped too. */
  public static final int VFIO_REGION_INFO_CAP_MSIX_MAPPABLE = 3;

  // Region and IRQ indexes of vfio-pci.
  public static final int VFIO_PCI_BAR0_REGION_INDEX = 0;
  public static final int VFIO_PCI_BAR5_REGION_INDEX = 5;
  public static final int VFIO_PCI_CONFIG_REGION_INDEX = 7;
  public static final int VFIO_PCI_MSIX_IRQ_INDEX = 2;

  // vfio_irq_info.flags
  public static final int VFIO_IRQ_INFO_EVENTFD = 1;
  public static final int VFIO_IRQ_INFO_NORESIZE = 1 << 3;

  // vfio_irq_set.flags
  public static final int VFIO_IRQ_SET_DATA_NONE = 1;
  public static final int VFIO_IRQ_SET_DATA_EVENTFD = 1 << 2;
  public static final int VFIO_IRQ_SET_ACTION_TRIGGER = 1 << 5;

  // vfio_iommu_type1_info
  public static final int VFIO_IOMMU_INFO_PGSIZES = 1;
  public static final int VFIO_IOMMU_INFO_CAPS = 1 << 1;
  public static final int VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1;

  // vfio_iommu_type1_dma_map.flags
  public static final int VFIO_DMA_MAP_FLAG_READ = 1;
  public static final int VFIO_DMA_MAP_FLAG_WRITE = 1 << 1;

  /** The name of a VFIO request, for messages; null for any other number. */
  public static String name(int request) {
    if (request == VFIO_GET_API_VERSION) {
      return "VFIO_GET_API_VERSION";
    } else if (request == VFIO_CHECK_EXTENSION) {
      return "VFIO_CHECK_EXTENSION";
    } else if (request == VFIO_SET_IOMMU) {
      return "VFIO_SET_IOMMU";
    } else if (request == VFIO_GROUP_GET_STATUS) {
      return "VFIO_GROUP_GET_STATUS";
    } else if (request == VFIO_GROUP_SET_CONTAINER) {
      return "VFIO_GROUP_SET_CONTAINER";
    } else if (request == VFIO_GROUP_GET_DEVICE_FD) {
      return "VFIO_GROUP_GET_DEVICE_FD";
    } else if (request == VFIO_DEVICE_GET_INFO) {
      return "VFIO_DEVICE_GET_INFO";
    } else if (request == VFIO_DEVICE_GET_REGION_INFO) {
      return "VFIO_DEVICE_GET_REGION_INFO";
    } else if (request == VFIO_DEVICE_GET_IRQ_INFO) {
      return "VFIO_DEVICE_GET_IRQ_INFO";
    } else if (request == VFIO_DEVICE_SET_IRQS) {
      return "VFIO_DEVICE_SET_IRQS";
    } else if (request == VFIO_DEVICE_RESET) {
      return "VFIO_DEVICE_RESET";
    } else if (request == VFIO_IOMMU_GET_INFO) {
      return "VFIO_IOMMU_GET_INFO";
    } else if (request == VFIO_IOMMU_MAP_DMA) {
      return "VFIO_IOMMU_MAP_DMA";
    } else if (request == VFIO_IOMMU_UNMAP_DMA) {
      return "VFIO_IOMMU_UNMAP_DMA";
    }
    return null;
  }
}
