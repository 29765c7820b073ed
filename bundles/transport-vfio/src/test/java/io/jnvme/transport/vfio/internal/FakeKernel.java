package io.jnvme.transport.vfio.internal;

import static io.jnvme.transport.vfio.internal.jna.Ioctls.*;

import io.jnvme.transport.vfio.internal.jna.Ioctls;
import io.jnvme.transport.vfio.internal.jna.LinuxSys;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.CapHeader;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.DeviceInfo;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.DmaMap;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.DmaUnmap;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.GroupStatus;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.IovaRange;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.IovaRangeCap;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.IrqInfo;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.IrqSet;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.RegionInfo;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.SparseMmapArea;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.SparseMmapCap;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.Type1Info;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The VFIO side of the kernel, as far as the transport uses it, in Java: container, group and
 * device fds, the info ioctls with their capability chains (answered in two steps when the caller's
 * argsz is too small, as the kernel does), SET_IRQS, MAP_DMA and UNMAP_DMA, a BAR and a config
 * space reached through mmap and pread/pwrite. Eventfds, poll and buffer addresses are real
 * ({@link LinuxSys}). Every call is logged, and any ioctl can be made to fail with an errno.
 *
 * <p>It decodes arguments with the same layout constants the transport encodes them with, so it
 * checks the sequence and the values, not the layouts: those are checked against the kernel's
 * header by {@code VfioAbiProbeTest}.
 */
final class FakeKernel implements VfioSys {
  static final int CONTAINER_FD = 100;
  static final int GROUP_FD = 101;
  static final int DEVICE_FD = 102;
  /** vfio-pci places region N at N << 40 in the device fd. */
  static final int REGION_SHIFT = 40;

  /** One VFIO_IOMMU_MAP_DMA or VFIO_IOMMU_UNMAP_DMA. */
  record Dma(boolean map, long vaddr, long iova, long size) {}

  private final LinuxSys real = LinuxSys.load();
  final List<String> log = Collections.synchronizedList(new ArrayList<>());

  // What the fake device and kernel look like; tests change these before opening.
  String expectedDevice = FakeSystem.ADDRESS;
  int apiVersion = VFIO_API_VERSION;
  Set<Integer> extensions = new HashSet<>(Set.of(VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU));
  boolean viable = true;
  int numIrqs = 5;
  int msixCount = FakeSystem.MSIX;
  int barSize = 0x4000;
  /** Mappable parts of BAR0 ({offset, size}); null: the whole BAR, plain MMAP flag. */
  List<long[]> sparseAreas;
  long pgsizes = 0x40201000L; // 4K, 2M, 1G
  List<long[]> iovaRanges = List.of(new long[] {0, 0xfedfffffL},
      new long[] {0xfef00000L, (1L << 48) - 1});
  /** Ioctls (by name) that fail with the errno. */
  final Map<String, Integer> failIoctl = new HashMap<>();
  /** Paths whose open fails with the errno. */
  final Map<String, Integer> failOpen = new HashMap<>();

  // What happened.
  final byte[] config = FakeSystem.config(true);
  final ByteBuffer bar = ByteBuffer.allocateDirect(0x4000).order(ByteOrder.LITTLE_ENDIAN);
  final List<Dma> dma = Collections.synchronizedList(new ArrayList<>());
  int iommuSet = -1;
  int[] irqFds = new int[0];
  int irqSetFlags;
  final Set<Integer> openFds = Collections.synchronizedSet(new HashSet<>());
  final Map<Long, ByteBuffer> mappings = new HashMap<>();
  final List<Long> retired = new ArrayList<>();

  FakeKernel() {
    config[PciConfig.COMMAND] = 0; // memory decoding and bus mastering off, as after probe
  }

  /** Raises an MSI-X vector as the kernel's interrupt handler does: eventfd_signal. */
  void raise(int vector) throws SysCallException {
    real.eventfdWrite(irqFds[vector], 1);
  }

  @Override
  public int open(String path) throws SysCallException {
    log.add("open " + path);
    Integer errno = failOpen.get(path);
    if (errno != null) {
      throw new SysCallException("open " + path, errno);
    }
    int fd = path.endsWith("/vfio") ? CONTAINER_FD : GROUP_FD;
    openFds.add(fd);
    return fd;
  }

  @Override
  public void close(int fd) {
    if (fd >= CONTAINER_FD && fd <= DEVICE_FD) {
      log.add("close " + fd);
      openFds.remove(fd);
    } else {
      log.add("close eventfd");
      real.close(fd);
    }
  }

  private void maybeFail(int request) throws SysCallException {
    Integer errno = failIoctl.get(Ioctls.name(request));
    if (errno != null) {
      throw new SysCallException(Ioctls.name(request), errno);
    }
  }

  @Override
  public int ioctl(int fd, int request, long value) throws SysCallException {
    log.add(Ioctls.name(request) + " " + value);
    maybeFail(request);
    if (request == VFIO_GET_API_VERSION && fd == CONTAINER_FD) {
      return apiVersion;
    } else if (request == VFIO_CHECK_EXTENSION && fd == CONTAINER_FD) {
      return extensions.contains((int) value) ? 1 : 0;
    } else if (request == VFIO_SET_IOMMU && fd == CONTAINER_FD) {
      iommuSet = (int) value;
      return 0;
    }
    throw new SysCallException(Ioctls.name(request), SysCallException.ENOTTY);
  }

  @Override
  public int ioctl(int fd, int request, ByteBuffer a) throws SysCallException {
    if (!a.isDirect() || a.order() != ByteOrder.LITTLE_ENDIAN) {
      throw new AssertionError("ioctl argument must be a direct little-endian buffer");
    }
    String name = Ioctls.name(request);
    log.add(name);
    maybeFail(request);
    int argsz = a.getInt(0);
    if (request == VFIO_GROUP_GET_STATUS && fd == GROUP_FD) {
      check(argsz >= GroupStatus.SIZE, name);
      a.putInt(GroupStatus.FLAGS_OFFSET, viable ? VFIO_GROUP_FLAGS_VIABLE : 0);
      return 0;
    } else if (request == VFIO_GROUP_SET_CONTAINER && fd == GROUP_FD) {
      check(a.getInt(0) == CONTAINER_FD, name + " with the container fd");
      return 0;
    } else if (request == VFIO_GROUP_GET_DEVICE_FD && fd == GROUP_FD) {
      check(iommuSet > 0, "SET_IOMMU before GET_DEVICE_FD");
      byte[] s = new byte[a.capacity()];
      a.get(0, s);
      int nul = 0;
      while (nul < s.length && s[nul] != 0) {
        nul++;
      }
      check(nul < s.length, "a NUL-terminated device name");
      String dev = new String(s, 0, nul, StandardCharsets.US_ASCII);
      if (!dev.equals(expectedDevice)) {
        throw new SysCallException(name, SysCallException.ENODEV);
      }
      openFds.add(DEVICE_FD);
      return DEVICE_FD;
    } else if (request == VFIO_DEVICE_GET_INFO && fd == DEVICE_FD) {
      check(argsz >= DeviceInfo.SIZE, name);
      a.putInt(DeviceInfo.FLAGS_OFFSET, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
      a.putInt(DeviceInfo.NUM_REGIONS_OFFSET, 9);
      a.putInt(DeviceInfo.NUM_IRQS_OFFSET, numIrqs);
      return 0;
    } else if (request == VFIO_DEVICE_GET_REGION_INFO && fd == DEVICE_FD) {
      return regionInfo(a, argsz);
    } else if (request == VFIO_DEVICE_GET_IRQ_INFO && fd == DEVICE_FD) {
      check(argsz >= IrqInfo.SIZE, name);
      int index = a.getInt(IrqInfo.INDEX_OFFSET);
      a.putInt(IrqInfo.FLAGS_OFFSET, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE);
      a.putInt(IrqInfo.COUNT_OFFSET, index == VFIO_PCI_MSIX_IRQ_INDEX ? msixCount : 1);
      return 0;
    } else if (request == VFIO_DEVICE_SET_IRQS && fd == DEVICE_FD) {
      check(a.getInt(IrqSet.INDEX_OFFSET) == VFIO_PCI_MSIX_IRQ_INDEX, "MSI-X index");
      irqSetFlags = a.getInt(IrqSet.FLAGS_OFFSET);
      int count = a.getInt(IrqSet.COUNT_OFFSET);
      check(argsz == IrqSet.SIZE + ((irqSetFlags & VFIO_IRQ_SET_DATA_EVENTFD) != 0 ? 4 * count
          : 0), "argsz of SET_IRQS");
      int[] fds = new int[count];
      for (int i = 0; i < count; i++) {
        fds[i] = a.getInt(IrqSet.DATA_OFFSET + 4 * i);
      }
      irqFds = fds;
      log.add("SET_IRQS start=" + a.getInt(IrqSet.START_OFFSET) + " count=" + count);
      return 0;
    } else if (request == VFIO_IOMMU_GET_INFO && fd == CONTAINER_FD) {
      int need = Type1Info.SIZE + IovaRangeCap.SIZE + IovaRange.SIZE * iovaRanges.size();
      a.putInt(Type1Info.FLAGS_OFFSET, VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
      a.putLong(Type1Info.IOVA_PGSIZES_OFFSET, pgsizes);
      if (argsz < need) {
        a.putInt(Type1Info.ARGSZ_OFFSET, need);
        a.putInt(Type1Info.CAP_OFFSET_OFFSET, 0);
        return 0;
      }
      int cap = Type1Info.SIZE;
      a.putInt(Type1Info.CAP_OFFSET_OFFSET, cap);
      a.putShort(cap + CapHeader.ID_OFFSET, (short) VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
      a.putShort(cap + CapHeader.VERSION_OFFSET, (short) 1);
      a.putInt(cap + CapHeader.NEXT_OFFSET, 0);
      a.putInt(cap + IovaRangeCap.NR_IOVAS_OFFSET, iovaRanges.size());
      for (int i = 0; i < iovaRanges.size(); i++) {
        int at = cap + IovaRangeCap.IOVA_RANGES_OFFSET + i * IovaRange.SIZE;
        a.putLong(at + IovaRange.START_OFFSET, iovaRanges.get(i)[0]);
        a.putLong(at + IovaRange.END_OFFSET, iovaRanges.get(i)[1]);
      }
      return 0;
    } else if (request == VFIO_IOMMU_MAP_DMA && fd == CONTAINER_FD) {
      check(argsz == DmaMap.SIZE, name + " argsz");
      check(a.getInt(DmaMap.FLAGS_OFFSET) == (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE),
          "read and write");
      dma.add(new Dma(true, a.getLong(DmaMap.VADDR_OFFSET), a.getLong(DmaMap.IOVA_OFFSET),
          a.getLong(DmaMap.SIZE_OFFSET)));
      return 0;
    } else if (request == VFIO_IOMMU_UNMAP_DMA && fd == CONTAINER_FD) {
      check(argsz == DmaUnmap.SIZE, name + " argsz");
      dma.add(new Dma(false, 0, a.getLong(DmaUnmap.IOVA_OFFSET), a.getLong(DmaUnmap.SIZE_OFFSET)));
      return 0;
    }
    throw new SysCallException(name, SysCallException.ENOTTY);
  }

  private int regionInfo(ByteBuffer a, int argsz) throws SysCallException {
    check(argsz >= RegionInfo.SIZE, "region info argsz");
    int index = a.getInt(RegionInfo.INDEX_OFFSET);
    a.putLong(RegionInfo.OFFSET_OFFSET, (long) index << REGION_SHIFT);
    if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
      a.putInt(RegionInfo.FLAGS_OFFSET, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE);
      a.putLong(RegionInfo.SIZE_OFFSET, config.length);
      return 0;
    }
    if (index != VFIO_PCI_BAR0_REGION_INDEX) {
      a.putInt(RegionInfo.FLAGS_OFFSET, 0);
      a.putLong(RegionInfo.SIZE_OFFSET, 0);
      return 0;
    }
    int flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE
        | VFIO_REGION_INFO_FLAG_MMAP;
    a.putLong(RegionInfo.SIZE_OFFSET, barSize);
    if (sparseAreas == null) {
      a.putInt(RegionInfo.FLAGS_OFFSET, flags);
      return 0;
    }
    flags |= VFIO_REGION_INFO_FLAG_CAPS;
    a.putInt(RegionInfo.FLAGS_OFFSET, flags);
    int need = RegionInfo.SIZE + SparseMmapCap.SIZE + SparseMmapArea.SIZE * sparseAreas.size();
    if (argsz < need) {
      a.putInt(RegionInfo.ARGSZ_OFFSET, need);
      a.putInt(RegionInfo.CAP_OFFSET_OFFSET, 0);
      return 0;
    }
    int cap = RegionInfo.SIZE;
    a.putInt(RegionInfo.CAP_OFFSET_OFFSET, cap);
    a.putShort(cap + CapHeader.ID_OFFSET, (short) VFIO_REGION_INFO_CAP_SPARSE_MMAP);
    a.putShort(cap + CapHeader.VERSION_OFFSET, (short) 1);
    a.putInt(cap + SparseMmapCap.NR_AREAS_OFFSET, sparseAreas.size());
    for (int i = 0; i < sparseAreas.size(); i++) {
      int at = cap + SparseMmapCap.AREAS_OFFSET + i * SparseMmapArea.SIZE;
      a.putLong(at + SparseMmapArea.OFFSET_OFFSET, sparseAreas.get(i)[0]);
      a.putLong(at + SparseMmapArea.SIZE_OFFSET, sparseAreas.get(i)[1]);
    }
    return 0;
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError("fake kernel: expected " + what);
    }
  }

  @Override
  public long mmapShared(int fd, long offset, long length) throws SysCallException {
    log.add("mmap offset=0x" + Long.toHexString(offset) + " length=0x" + Long.toHexString(length));
    check(fd == DEVICE_FD, "mmap of the device fd");
    check((offset >> REGION_SHIFT) == VFIO_PCI_BAR0_REGION_INDEX, "mmap of BAR0");
    long within = offset & ((1L << REGION_SHIFT) - 1);
    ByteBuffer view = bar.slice((int) within, (int) length).order(ByteOrder.LITTLE_ENDIAN);
    long address = real.address(view);
    synchronized (mappings) {
      mappings.put(address, view);
    }
    return address;
  }

  @Override
  public void retireMapping(long address, long length) {
    log.add("retire 0x" + Long.toHexString(address));
    synchronized (mappings) {
      ByteBuffer b = mappings.get(address);
      for (int i = 0; i < length; i++) {
        b.put(i, (byte) 0xFF);
      }
      retired.add(address);
    }
  }

  @Override
  public void munmap(long address, long length) {
    log.add("munmap 0x" + Long.toHexString(address));
  }

  @Override
  public ByteBuffer view(long address, int length) {
    synchronized (mappings) {
      return mappings.get(address).duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }
  }

  @Override
  public long address(ByteBuffer direct) {
    return real.address(direct);
  }

  @Override
  public int pread(int fd, ByteBuffer dst, long offset) {
    check(fd == DEVICE_FD, "pread of the device fd");
    int region = (int) (offset >> REGION_SHIFT);
    int at = (int) (offset & ((1L << REGION_SHIFT) - 1));
    log.add("pread region=" + region + " at=0x" + Integer.toHexString(at) + " n=" + dst.limit());
    for (int i = 0; i < dst.limit(); i++) {
      dst.put(i, region == VFIO_PCI_CONFIG_REGION_INDEX ? config[at + i] : bar.get(at + i));
    }
    return dst.limit();
  }

  @Override
  public int pwrite(int fd, ByteBuffer src, long offset) {
    check(fd == DEVICE_FD, "pwrite of the device fd");
    int region = (int) (offset >> REGION_SHIFT);
    int at = (int) (offset & ((1L << REGION_SHIFT) - 1));
    log.add("pwrite region=" + region + " at=0x" + Integer.toHexString(at) + " n=" + src.limit());
    for (int i = 0; i < src.limit(); i++) {
      if (region == VFIO_PCI_CONFIG_REGION_INDEX) {
        config[at + i] = src.get(i);
      } else {
        bar.put(at + i, src.get(i));
      }
    }
    return src.limit();
  }

  @Override
  public int eventfd() throws SysCallException {
    return real.eventfd();
  }

  @Override
  public long eventfdRead(int fd) throws SysCallException {
    return real.eventfdRead(fd);
  }

  @Override
  public void eventfdWrite(int fd, long value) throws SysCallException {
    real.eventfdWrite(fd, value);
  }

  @Override
  public boolean pollIn(int fd, int timeoutMillis) throws SysCallException {
    return real.pollIn(fd, timeoutMillis);
  }

  @Override
  public int pageSize() {
    return 4096;
  }

  /** The calls logged so far whose text starts with {@code prefix}. */
  List<String> logged(String prefix) {
    synchronized (log) {
      return log.stream().filter(s -> s.startsWith(prefix)).toList();
    }
  }

  static ByteBuffer allocate(int n) {
    return VfioLayouts.allocate(n);
  }
}
