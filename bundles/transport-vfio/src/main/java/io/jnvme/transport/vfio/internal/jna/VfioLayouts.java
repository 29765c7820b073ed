package io.jnvme.transport.vfio.internal.jna;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Byte layouts of the linux/vfio.h structures the transport passes to ioctl: {@code SIZE} and a
 * {@code *_OFFSET} per field, in the names of the C fields. All fields are little endian (the only
 * byte order {@link LinuxSys} runs on). {@code VfioAbiProbeTest} checks every constant here
 * against the C compiler's {@code sizeof} and {@code offsetof} on the installed header.
 *
 * <p>A VFIO structure grows only at its end, and the caller tells the kernel how much it passes in
 * {@code argsz}: the sizes here are what we pass, which the kernel accepts as long as they reach
 * the end of the last field it needs.
 */
public final class VfioLayouts {
  private VfioLayouts() {}

  /** A zeroed little-endian direct buffer of {@code size} bytes, for an ioctl argument. */
  public static ByteBuffer allocate(int size) {
    return ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** {@code struct vfio_info_cap_header}: heads every capability in an info chain. */
  public static final class CapHeader {
    private CapHeader() {}

    public static final int SIZE = 8;
    public static final int ID_OFFSET = 0;
    public static final int VERSION_OFFSET = 2;
    /** Offset of the next capability from the start of the info buffer; 0 ends the chain. */
    public static final int NEXT_OFFSET = 4;
  }

  /** {@code struct vfio_group_status}. */
  public static final class GroupStatus {
    private GroupStatus() {}

    public static final int SIZE = 8;
    public static final int ARGSZ_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
  }

  /**
   * {@code struct vfio_device_info}. {@link #SIZE} ends at {@code cap_offset}; newer headers add a
   * padding field after it, which the kernel does not need.
   */
  public static final class DeviceInfo {
    private DeviceInfo() {}

    public static final int SIZE = 20;
    public static final int ARGSZ_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int NUM_REGIONS_OFFSET = 8;
    public static final int NUM_IRQS_OFFSET = 12;
    public static final int CAP_OFFSET_OFFSET = 16;
  }

  /** {@code struct vfio_region_info}. */
  public static final class RegionInfo {
    private RegionInfo() {}

    public static final int SIZE = 32;
    public static final int ARGSZ_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int INDEX_OFFSET = 8;
    public static final int CAP_OFFSET_OFFSET = 12;
    /** {@code __u64 size}: the region's size in bytes. */
    public static final int SIZE_OFFSET = 16;
    /** {@code __u64 offset}: where the region starts in the device fd (for mmap and pread). */
    public static final int OFFSET_OFFSET = 24;
  }

  /** {@code struct vfio_region_info_cap_sparse_mmap}, followed by {@code nr_areas} areas. */
  public static final class SparseMmapCap {
    private SparseMmapCap() {}

    public static final int SIZE = 16;
    public static final int HEADER_OFFSET = 0;
    public static final int NR_AREAS_OFFSET = 8;
    public static final int AREAS_OFFSET = 16;
  }

  /** {@code struct vfio_region_sparse_mmap_area}. */
  public static final class SparseMmapArea {
    private SparseMmapArea() {}

    public static final int SIZE = 16;
    public static final int OFFSET_OFFSET = 0;
    public static final int SIZE_OFFSET = 8;
  }

  /** {@code struct vfio_irq_info}. */
  public static final class IrqInfo {
    private IrqInfo() {}

    public static final int SIZE = 16;
    public static final int ARGSZ_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int INDEX_OFFSET = 8;
    public static final int COUNT_OFFSET = 12;
  }

  /** {@code struct vfio_irq_set}, followed by its data (one {@code __s32} eventfd per vector). */
  public static final class IrqSet {
    private IrqSet() {}

    public static final int SIZE = 20;
    public static final int ARGSZ_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int INDEX_OFFSET = 8;
    public static final int START_OFFSET = 12;
    public static final int COUNT_OFFSET = 16;
    public static final int DATA_OFFSET = 20;
  }

  /** {@code struct vfio_iommu_type1_info}. */
  public static final class Type1Info {
    private Type1Info() {}

    public static final int SIZE = 24;
    public static final int ARGSZ_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int IOVA_PGSIZES_OFFSET = 8;
    public static final int CAP_OFFSET_OFFSET = 16;
  }

  /** {@code struct vfio_iommu_type1_info_cap_iova_range}, followed by {@code nr_iovas} ranges. */
  public static final class IovaRangeCap {
    private IovaRangeCap() {}

    public static final int SIZE = 16;
    public static final int HEADER_OFFSET = 0;
    public static final int NR_IOVAS_OFFSET = 8;
    public static final int IOVA_RANGES_OFFSET = 16;
  }

  /** {@code struct vfio_iova_range}: inclusive {@code [start, end]}. */
  public static final class IovaRange {
    private IovaRange() {}

    public static final int SIZE = 16;
    public static final int START_OFFSET = 0;
    public static final int END_OFFSET = 8;
  }

  /** {@code struct vfio_iommu_type1_dma_map}. */
  public static final class DmaMap {
    private DmaMap() {}

    public static final int SIZE = 32;
    public static final int ARGSZ_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int VADDR_OFFSET = 8;
    public static final int IOVA_OFFSET = 16;
    public static final int SIZE_OFFSET = 24;
  }

  /** {@code struct vfio_iommu_type1_dma_unmap} (without the optional dirty bitmap data). */
  public static final class DmaUnmap {
    private DmaUnmap() {}

    public static final int SIZE = 24;
    public static final int ARGSZ_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int IOVA_OFFSET = 8;
    public static final int SIZE_OFFSET = 16;
  }

  /** One capability found in an info buffer: its id, version and offset in the buffer. */
  public record Capability(int id, int version, int offset) {}

  /**
   * Walks an info buffer's capability chain from {@code first}. Stops at a zero offset, an offset
   * outside the buffer or one that does not move forward (a chain the kernel never builds, so a
   * corrupt buffer cannot loop).
   */
  public static List<Capability> capabilities(ByteBuffer info, int first) {
    List<Capability> caps = new ArrayList<>();
    int at = first;
    int previous = -1;
    while (at > previous && at >= CapHeader.SIZE && at + CapHeader.SIZE <= info.limit()) {
      int id = Short.toUnsignedInt(info.getShort(at + CapHeader.ID_OFFSET));
      int version = Short.toUnsignedInt(info.getShort(at + CapHeader.VERSION_OFFSET));
      caps.add(new Capability(id, version, at));
      previous = at;
      at = info.getInt(at + CapHeader.NEXT_OFFSET);
    }
    return caps;
  }
}
