package io.jnvme.transport.vfio.internal;

import static io.jnvme.transport.vfio.internal.jna.Ioctls.*;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceInterrupt;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import io.jnvme.device.RegisterIo;
import io.jnvme.transport.vfio.VfioException;
import io.jnvme.transport.vfio.VfioOptions;
import io.jnvme.transport.vfio.internal.IommuMappings.Run;
import io.jnvme.transport.vfio.internal.VfioPreconditions.Preflight;
import io.jnvme.transport.vfio.internal.jna.LinuxSys;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.Capability;
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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PCIe NVMe controller bound to vfio-pci, as a {@link Device}: a VFIO container (the IOMMU
 * context), the device's IOMMU group, and the device itself, each a file descriptor.
 *
 * <p>Opening follows the kernel's VFIO documentation: check the API version and the IOMMU model,
 * open the group and check that it is viable, put it in the container, set the IOMMU model, get
 * the device fd, read its info, turn on memory decoding and bus mastering (vfio-pci leaves bus
 * mastering to the user), and bind one eventfd per MSI-X vector. Every vector is bound at open, in
 * one VFIO_DEVICE_SET_IRQS call: adding vectors later would need the kernel's dynamic MSI-X
 * support, and re-enabling MSI-X with more vectors can lose an interrupt in flight.
 *
 * <p>{@link #mapDma} maps a block at its device addresses with VFIO_IOMMU_MAP_DMA: identity for
 * lockmem (device address = virtual address), base plus file offset for the page pool. The kernel
 * pins the pages, charging them to RLIMIT_MEMLOCK. In no-IOMMU mode nothing is mapped: the device
 * uses physical addresses, so a block is accepted only if its device addresses are its physical
 * addresses.
 *
 * <p>{@link #close()} releases the file descriptors. When the last one goes, vfio-pci disables the
 * function's bus mastering and resets it (on mainline kernels), so a controller cannot survive the
 * close: keepalive across a JVM restart is impossible with mainline VFIO. Inside one JVM the device
 * stays open for as long as this object does; a driver bundle update that keeps the transport
 * bundle (and so this object) running keeps the controller enabled.
 *
 * <p>What runs only against real hardware: the ioctl sequence's effect on a device, the mmapped
 * BAR and the interrupt delivery. The sequence itself, the structures, the error mapping, the
 * mapping bookkeeping and the eventfd waiting are tested against a fake kernel and real eventfds.
 */
public final class VfioDevice implements Device {
  private static final Logger LOG = LoggerFactory.getLogger(VfioDevice.class);

  /** The transport's name. */
  public static final String TRANSPORT = "vfio";
  /** Prefix of {@link #id()}: {@code vfio:0000:01:00.0}. */
  public static final String ID_PREFIX = "vfio:";

  private final VfioSys sys;
  private final PciAddress address;
  private final Preflight preflight;
  private final Credentials credentials;
  private final Path procRoot;
  private final int containerFd;
  private final int groupFd;
  private final int deviceFd;
  private final int iommuType;
  /** Usable IOVA ranges, inclusive {start, end} pairs; empty if the kernel did not say. */
  private final List<long[]> iovaRanges;
  /** Smallest IOMMU page: mappings must be aligned to it. */
  private final long iommuPageSize;
  private final int msixTableSize;
  private final VfioInterrupt[] interrupts;
  private final IommuMappings mappings;
  private final Map<Integer, VfioBar> bars = new HashMap<>();
  /** Read: a system call on the device fd outside the open/close paths. Write: close. */
  private final ReentrantReadWriteLock fdLock = new ReentrantReadWriteLock();
  private volatile boolean closed;

  private VfioDevice(Opened o) {
    this.sys = o.sys;
    this.address = o.address;
    this.preflight = o.preflight;
    this.credentials = o.credentials;
    this.procRoot = o.options.procRoot();
    this.containerFd = o.containerFd;
    this.groupFd = o.groupFd;
    this.deviceFd = o.deviceFd;
    this.iommuType = o.iommuType;
    this.iovaRanges = List.copyOf(o.iovaRanges);
    this.iommuPageSize = o.iommuPageSize;
    this.msixTableSize = o.msixCount;
    IrqAffinity affinity = new IrqAffinity(o.options.procRoot(), address);
    this.interrupts = new VfioInterrupt[o.eventfds.length];
    for (int v = 0; v < interrupts.length; v++) {
      interrupts[v] = new VfioInterrupt(sys, v, o.eventfds[v], affinity);
    }
    this.mappings = new IommuMappings(address, new Iommu());
  }

  /**
   * Opens the device at {@code address} with the system's credentials and the C library.
   *
   * @throws VfioException naming the missing precondition or the failed call
   */
  public static VfioDevice open(String address, VfioOptions options) throws VfioException {
    Objects.requireNonNull(options, "options");
    return open(address, options, LinuxSys::load, SystemCredentials.read(options.procRoot()));
  }

  /** Opens with the given system calls and credentials (tests pass a fake kernel here). */
  static VfioDevice open(String address, VfioOptions options, Supplier<? extends VfioSys> sysLoader,
      Credentials credentials) throws VfioException {
    PciAddress a;
    try {
      a = PciAddress.parse(address);
    } catch (IllegalArgumentException e) {
      throw VfioErrors.invalidAddress(address);
    }
    Preflight p = new VfioPreconditions(options, credentials).check(a);
    VfioSys sys;
    try {
      sys = sysLoader.get();
    } catch (UnsupportedOperationException | LinkageError e) {
      throw VfioErrors.nativeUnavailable(a, e);
    }
    Opened o = new Opened(sys, a, p, options, credentials);
    o.open();
    VfioDevice d = new VfioDevice(o);
    LOG.info("vfio device opened address={} ids={} group={}{} iommu={} msix={} vectors={}",
        a, p.ids(), p.group(), p.noIommu() ? " (no-IOMMU, unsafe)" : "",
        iommuName(o.iommuType), o.msixCount, o.eventfds.length);
    return d;
  }

  // ------------------------------------------------------------------------------------ opening

  /** The open sequence; on failure it closes whatever it opened. */
  private static final class Opened {
    final VfioSys sys;
    final PciAddress address;
    final Preflight preflight;
    final VfioOptions options;
    final Credentials credentials;
    int containerFd = -1;
    int groupFd = -1;
    int deviceFd = -1;
    int iommuType;
    List<long[]> iovaRanges = new ArrayList<>();
    long iommuPageSize = MemoryBlock.PAGE_SIZE;
    int msixCount;
    int[] eventfds = new int[0];

    Opened(VfioSys sys, PciAddress address, Preflight preflight, VfioOptions options,
        Credentials credentials) {
      this.sys = sys;
      this.address = address;
      this.preflight = preflight;
      this.options = options;
      this.credentials = credentials;
    }

    void open() throws VfioException {
      List<Integer> opened = new ArrayList<>();
      try {
        containerFd = openNode(preflight.containerNode());
        opened.add(containerFd);
        int version = call("VFIO_GET_API_VERSION", () -> sys.ioctl(containerFd,
            VFIO_GET_API_VERSION, 0L));
        if (version != VFIO_API_VERSION) {
          throw VfioErrors.unsupported(address, "the kernel's VFIO API version is " + version
              + ", jnvme speaks version " + VFIO_API_VERSION);
        }
        iommuType = chooseIommu();

        groupFd = openNode(preflight.groupNode());
        opened.add(groupFd);
        ByteBuffer status = VfioLayouts.allocate(GroupStatus.SIZE);
        status.putInt(GroupStatus.ARGSZ_OFFSET, GroupStatus.SIZE);
        call("VFIO_GROUP_GET_STATUS", () -> sys.ioctl(groupFd, VFIO_GROUP_GET_STATUS, status));
        if ((status.getInt(GroupStatus.FLAGS_OFFSET) & VFIO_GROUP_FLAGS_VIABLE) == 0) {
          throw VfioErrors.notViable(address, preflight.group(), "VFIO_GROUP_GET_STATUS says a"
              + " device of the group is in use by a host driver");
        }
        ByteBuffer fd = VfioLayouts.allocate(4);
        fd.putInt(0, containerFd);
        call("VFIO_GROUP_SET_CONTAINER", () -> sys.ioctl(groupFd, VFIO_GROUP_SET_CONTAINER, fd));
        call("VFIO_SET_IOMMU", () -> sys.ioctl(containerFd, VFIO_SET_IOMMU, iommuType));
        if (iommuType != VFIO_NOIOMMU_IOMMU) {
          readIommuInfo();
        }

        byte[] name = address.text().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer nameArg = VfioLayouts.allocate(name.length + 1);
        nameArg.put(0, name);
        deviceFd = call("VFIO_GROUP_GET_DEVICE_FD", () -> sys.ioctl(groupFd,
            VFIO_GROUP_GET_DEVICE_FD, nameArg));
        opened.add(deviceFd);

        ByteBuffer info = VfioLayouts.allocate(DeviceInfo.SIZE);
        info.putInt(DeviceInfo.ARGSZ_OFFSET, DeviceInfo.SIZE);
        call("VFIO_DEVICE_GET_INFO", () -> sys.ioctl(deviceFd, VFIO_DEVICE_GET_INFO, info));
        int flags = info.getInt(DeviceInfo.FLAGS_OFFSET);
        int regions = info.getInt(DeviceInfo.NUM_REGIONS_OFFSET);
        int irqs = info.getInt(DeviceInfo.NUM_IRQS_OFFSET);
        if ((flags & VFIO_DEVICE_FLAGS_PCI) == 0 || regions <= VFIO_PCI_CONFIG_REGION_INDEX) {
          throw VfioErrors.unsupported(address, "VFIO does not present the device as a vfio-pci"
              + " device (flags=0x" + Integer.toHexString(flags) + " regions=" + regions + ")");
        }
        if (irqs <= VFIO_PCI_MSIX_IRQ_INDEX) {
          throw VfioErrors.noMsix(address, "VFIO_DEVICE_GET_INFO reports " + irqs
              + " interrupt types, none of them MSI-X");
        }

        ByteBuffer irq = VfioLayouts.allocate(IrqInfo.SIZE);
        irq.putInt(IrqInfo.ARGSZ_OFFSET, IrqInfo.SIZE);
        irq.putInt(IrqInfo.INDEX_OFFSET, VFIO_PCI_MSIX_IRQ_INDEX);
        call("VFIO_DEVICE_GET_IRQ_INFO", () -> sys.ioctl(deviceFd, VFIO_DEVICE_GET_IRQ_INFO,
            irq));
        msixCount = irq.getInt(IrqInfo.COUNT_OFFSET);
        if (msixCount <= 0 || (irq.getInt(IrqInfo.FLAGS_OFFSET) & VFIO_IRQ_INFO_EVENTFD) == 0) {
          throw VfioErrors.noMsix(address, "VFIO_DEVICE_GET_IRQ_INFO reports " + msixCount
              + " MSI-X vectors");
        }

        enableBusMaster();
        bindVectors(opened);
      } catch (VfioException e) {
        for (int i = opened.size() - 1; i >= 0; i--) {
          sys.close(opened.get(i));
        }
        throw e;
      }
    }

    /** type1v2, else type1; or no-IOMMU for a no-IOMMU group. */
    private int chooseIommu() throws VfioException {
      if (preflight.noIommu()) {
        if (extension(VFIO_NOIOMMU_IOMMU)) {
          return VFIO_NOIOMMU_IOMMU;
        }
        throw VfioErrors.unsupported(address, "IOMMU group " + preflight.group() + " is a"
            + " no-IOMMU group, but the VFIO container does not offer no-IOMMU mode"
            + " (VFIO_CHECK_EXTENSION VFIO_NOIOMMU_IOMMU)");
      }
      if (extension(VFIO_TYPE1v2_IOMMU)) {
        return VFIO_TYPE1v2_IOMMU;
      }
      if (extension(VFIO_TYPE1_IOMMU)) {
        return VFIO_TYPE1_IOMMU;
      }
      throw VfioErrors.unsupported(address, "the VFIO container offers no type1 IOMMU"
          + " (VFIO_CHECK_EXTENSION VFIO_TYPE1v2_IOMMU and VFIO_TYPE1_IOMMU say no)");
    }

    private boolean extension(int ext) throws VfioException {
      return call("VFIO_CHECK_EXTENSION", () -> sys.ioctl(containerFd, VFIO_CHECK_EXTENSION,
          ext)) > 0;
    }

    /** The IOMMU's page sizes and usable IOVA ranges; without them mapping still works. */
    private void readIommuInfo() {
      try {
        ByteBuffer info = infoWithCaps(Type1Info.SIZE, b -> sys.ioctl(containerFd,
            VFIO_IOMMU_GET_INFO, b), b -> { });
        int flags = info.getInt(Type1Info.FLAGS_OFFSET);
        if ((flags & VFIO_IOMMU_INFO_PGSIZES) != 0) {
          long sizes = info.getLong(Type1Info.IOVA_PGSIZES_OFFSET);
          if (sizes != 0) {
            iommuPageSize = Long.lowestOneBit(sizes);
          }
        }
        iovaRanges = iovaRanges(info);
      } catch (SysCallException e) {
        LOG.info("device={}: VFIO_IOMMU_GET_INFO failed ({}); IOVA ranges unknown", address,
            e.getMessage());
      }
    }

    /** Sets memory space and bus master enable in the PCI command register. */
    private void enableBusMaster() throws VfioException {
      try {
        ByteBuffer region = regionInfo(sys, deviceFd, VFIO_PCI_CONFIG_REGION_INDEX);
        long base = region.getLong(RegionInfo.OFFSET_OFFSET);
        ByteBuffer cmd = VfioLayouts.allocate(2);
        if (sys.pread(deviceFd, cmd, base + PciConfig.COMMAND) != 2) {
          throw new SysCallException("pread PCI command register", SysCallException.EIO);
        }
        int value = Short.toUnsignedInt(cmd.getShort(0));
        int wanted = value | PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER;
        if (wanted != value) {
          cmd.putShort(0, (short) wanted);
          if (sys.pwrite(deviceFd, cmd, base + PciConfig.COMMAND) != 2) {
            throw new SysCallException("pwrite PCI command register", SysCallException.EIO);
          }
        }
      } catch (SysCallException e) {
        throw fail(e);
      }
    }

    /** One eventfd per vector, all bound in one VFIO_DEVICE_SET_IRQS. */
    private void bindVectors(List<Integer> opened) throws VfioException {
      int wanted = options.vectors() > 0 ? options.vectors()
          : Runtime.getRuntime().availableProcessors() + 1;
      int n = Math.min(wanted, msixCount);
      if (options.vectors() > msixCount) {
        LOG.info("device={}: {} vectors asked for, the device has {}", address, options.vectors(),
            msixCount);
      }
      int[] fds = new int[n];
      for (int v = 0; v < n; v++) {
        fds[v] = call("eventfd", sys::eventfd);
        opened.add(fds[v]);
      }
      int size = IrqSet.SIZE + 4 * n;
      ByteBuffer set = VfioLayouts.allocate(size);
      set.putInt(IrqSet.ARGSZ_OFFSET, size);
      set.putInt(IrqSet.FLAGS_OFFSET, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER);
      set.putInt(IrqSet.INDEX_OFFSET, VFIO_PCI_MSIX_IRQ_INDEX);
      set.putInt(IrqSet.START_OFFSET, 0);
      set.putInt(IrqSet.COUNT_OFFSET, n);
      for (int v = 0; v < n; v++) {
        set.putInt(IrqSet.DATA_OFFSET + 4 * v, fds[v]);
      }
      call("VFIO_DEVICE_SET_IRQS", () -> sys.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, set));
      eventfds = fds;
    }

    private int openNode(Path node) throws VfioException {
      try {
        return sys.open(node.toString());
      } catch (SysCallException e) {
        switch (e.errno()) {
          case SysCallException.EACCES, SysCallException.EPERM -> {
            if (preflight.noIommu() && !node.equals(preflight.containerNode())) {
              VfioException x = VfioErrors.noRawio(address);
              x.initCause(e);
              throw x;
            }
            throw VfioErrors.noPermission(address, node, e);
          }
          case SysCallException.ENOENT, SysCallException.ENODEV -> throw node.equals(
              preflight.containerNode()) ? VfioErrors.noVfioModule(address, node)
              : VfioErrors.noGroupNode(address, node);
          default -> throw fail(e);
        }
      }
    }

    private int call(String what, SysCall c) throws VfioException {
      try {
        return c.call();
      } catch (SysCallException e) {
        if (preflight.noIommu() && e.errno() == SysCallException.EPERM) {
          VfioException x = VfioErrors.noRawio(address);
          x.initCause(e);
          throw x;
        }
        throw fail(e);
      }
    }

    private VfioException fail(SysCallException e) {
      return e.errno() == SysCallException.EBUSY ? VfioErrors.busy(address, e)
          : VfioErrors.systemCall(address, e);
    }
  }

  @FunctionalInterface
  private interface SysCall {
    int call() throws SysCallException;
  }

  @FunctionalInterface
  private interface InfoCall {
    void call(ByteBuffer b) throws SysCallException;
  }

  @FunctionalInterface
  private interface Prepare {
    void prepare(ByteBuffer b);
  }

  /**
   * Runs an info ioctl whose structure may be followed by a capability chain: when the kernel
   * answers that it needs a larger {@code argsz}, asks again with that much room.
   */
  private static ByteBuffer infoWithCaps(int size, InfoCall call, Prepare prepare)
      throws SysCallException {
    ByteBuffer b = VfioLayouts.allocate(size);
    b.putInt(0, size);
    prepare.prepare(b);
    call.call(b);
    int need = b.getInt(0);
    if (need > size && need <= (1 << 20)) {
      b = VfioLayouts.allocate(need);
      b.putInt(0, need);
      prepare.prepare(b);
      call.call(b);
    }
    return b;
  }

  static ByteBuffer regionInfo(VfioSys sys, int deviceFd, int index) throws SysCallException {
    return infoWithCaps(RegionInfo.SIZE, b -> sys.ioctl(deviceFd, VFIO_DEVICE_GET_REGION_INFO, b),
        b -> b.putInt(RegionInfo.INDEX_OFFSET, index));
  }

  /** The usable IOVA ranges of a VFIO_IOMMU_GET_INFO answer (its IOVA range capability). */
  static List<long[]> iovaRanges(ByteBuffer info) {
    List<long[]> ranges = new ArrayList<>();
    int flags = info.getInt(Type1Info.FLAGS_OFFSET);
    int first = info.getInt(Type1Info.CAP_OFFSET_OFFSET);
    if ((flags & VFIO_IOMMU_INFO_CAPS) == 0 || first == 0) {
      return ranges;
    }
    for (Capability c : VfioLayouts.capabilities(info, first)) {
      if (c.id() != VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
        continue;
      }
      int n = info.getInt(c.offset() + IovaRangeCap.NR_IOVAS_OFFSET);
      for (int i = 0; i < n; i++) {
        int at = c.offset() + IovaRangeCap.IOVA_RANGES_OFFSET + i * IovaRange.SIZE;
        if (at + IovaRange.SIZE > info.limit()) {
          break;
        }
        ranges.add(new long[] {info.getLong(at + IovaRange.START_OFFSET),
            info.getLong(at + IovaRange.END_OFFSET)});
      }
    }
    return ranges;
  }

  /**
   * The mmappable areas of a region, {offset, size} pairs within it: the sparse-mmap capability's
   * areas when there is one, else the whole region if it may be mmapped, else none.
   */
  static List<long[]> mmapAreas(ByteBuffer region) {
    List<long[]> areas = new ArrayList<>();
    int flags = region.getInt(RegionInfo.FLAGS_OFFSET);
    long size = region.getLong(RegionInfo.SIZE_OFFSET);
    if ((flags & VFIO_REGION_INFO_FLAG_MMAP) == 0) {
      return areas;
    }
    int first = region.getInt(RegionInfo.CAP_OFFSET_OFFSET);
    if ((flags & VFIO_REGION_INFO_FLAG_CAPS) != 0 && first != 0) {
      for (Capability c : VfioLayouts.capabilities(region, first)) {
        if (c.id() != VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
          continue;
        }
        int n = region.getInt(c.offset() + SparseMmapCap.NR_AREAS_OFFSET);
        for (int i = 0; i < n; i++) {
          int at = c.offset() + SparseMmapCap.AREAS_OFFSET + i * SparseMmapArea.SIZE;
          if (at + SparseMmapArea.SIZE > region.limit()) {
            break;
          }
          long off = region.getLong(at + SparseMmapArea.OFFSET_OFFSET);
          long len = region.getLong(at + SparseMmapArea.SIZE_OFFSET);
          if (len > 0 && off >= 0 && off + len <= size) {
            areas.add(new long[] {off, len});
          }
        }
        return areas;
      }
    }
    areas.add(new long[] {0, size});
    return areas;
  }

  // ------------------------------------------------------------------------------------ Device

  /** {@code vfio:} and the PCI address, e.g. {@code vfio:0000:01:00.0}. */
  @Override
  public String id() {
    return ID_PREFIX + address;
  }

  @Override
  public String transport() {
    return TRANSPORT;
  }

  /** The PCI address, {@code 0000:01:00.0}. */
  public String address() {
    return address.text();
  }

  /** True if the device runs in the unsafe no-IOMMU mode. */
  public boolean noIommu() {
    return iommuType == VFIO_NOIOMMU_IOMMU;
  }

  /** The device's MSI-X table size; {@link #maxInterruptCount()} may be smaller. */
  public int msixTableSize() {
    return msixTableSize;
  }

  @Override
  public synchronized RegisterIo mapBar(int bar) throws DeviceException {
    if (closed) {
      throw VfioErrors.dma(address, "BAR" + bar + ": the device is closed");
    }
    VfioBar b = bars.get(bar);
    if (b != null) {
      return b;
    }
    if (bar < 0 || bar > VFIO_PCI_BAR5_REGION_INDEX) {
      throw new DeviceException("vfio " + address + ": BAR" + bar + " does not exist (0..5)");
    }
    ByteBuffer region;
    try {
      region = regionInfo(sys, deviceFd, VFIO_PCI_BAR0_REGION_INDEX + bar);
    } catch (SysCallException e) {
      throw VfioErrors.systemCall(address, e);
    }
    long size = region.getLong(RegionInfo.SIZE_OFFSET);
    long offset = region.getLong(RegionInfo.OFFSET_OFFSET);
    if (size <= 0) {
      throw new DeviceException("vfio " + address + ": BAR" + bar + " is not implemented");
    }
    if (size > Integer.MAX_VALUE) {
      throw new DeviceException("vfio " + address + ": BAR" + bar + " has " + size
          + " bytes; jnvme maps BARs up to 2 GiB");
    }
    List<VfioBar.Window> windows = new ArrayList<>();
    try {
      for (long[] area : mmapAreas(region)) {
        long at = sys.mmapShared(deviceFd, offset + area[0], area[1]);
        windows.add(new VfioBar.Window(area[0], sys.view(at, (int) area[1]), at));
      }
    } catch (SysCallException e) {
      for (VfioBar.Window w : windows) {
        try {
          sys.munmap(w.address(), w.buffer().capacity());
        } catch (SysCallException ignored) {
          // Nothing used these windows yet; reported with the mmap failure.
        }
      }
      throw VfioErrors.systemCall(address, e);
    }
    b = new VfioBar(bar, size, windows, new SlowPath(offset));
    bars.put(bar, b);
    LOG.debug("device={} BAR{} size={} mmapped={}", address, bar, size, windows.stream()
        .map(w -> "[0x" + Long.toHexString(w.start()) + ",0x" + Long.toHexString(w.end()) + ")")
        .collect(Collectors.joining(",")));
    return b;
  }

  /** pread/pwrite on the device fd for BAR bytes that are not mmapped. */
  private final class SlowPath implements VfioBar.SlowPath {
    private final long regionOffset;

    SlowPath(long regionOffset) {
      this.regionOffset = regionOffset;
    }

    @Override
    public int read32(long offset) {
      ByteBuffer b = VfioLayouts.allocate(4);
      fdLock.readLock().lock();
      try {
        if (closed || sys.pread(deviceFd, b, regionOffset + offset) != 4) {
          return -1;
        }
        return b.getInt(0);
      } catch (SysCallException e) {
        LOG.warn("device={} register read at 0x{}: {}", address, Long.toHexString(offset),
            e.getMessage());
        return -1;
      } finally {
        fdLock.readLock().unlock();
      }
    }

    @Override
    public void write32(long offset, int value) {
      ByteBuffer b = VfioLayouts.allocate(4);
      b.putInt(0, value);
      fdLock.readLock().lock();
      try {
        if (!closed) {
          sys.pwrite(deviceFd, b, regionOffset + offset);
        }
      } catch (SysCallException e) {
        LOG.warn("device={} register write at 0x{}: {}", address, Long.toHexString(offset),
            e.getMessage());
      } finally {
        fdLock.readLock().unlock();
      }
    }
  }

  @Override
  public int maxInterruptCount() {
    return interrupts.length;
  }

  @Override
  public DeviceInterrupt mapInterrupt(int vector, int cpu) throws DeviceException {
    if (vector < 0 || vector >= interrupts.length) {
      throw new DeviceException("vfio " + address + ": vector " + vector + " is not enabled; "
          + interrupts.length + " of the device's " + msixTableSize + " MSI-X vectors are"
          + " (option vectors)");
    }
    if (closed) {
      throw new DeviceException("vfio " + address + ": the device is closed");
    }
    VfioInterrupt i = interrupts[vector];
    i.target(cpu);
    return i;
  }

  @Override
  public DmaMapping mapDma(MemoryBlock block) throws DeviceException {
    Objects.requireNonNull(block, "block");
    if (closed) {
      throw VfioErrors.dma(address, "block " + block + ": the device is closed");
    }
    List<Run> runs = runsOf(block);
    if (noIommu()) {
      checkPhysical(block, runs);
      return new Mapping(block, List.of());
    }
    for (Run r : runs) {
      checkRun(block, r);
    }
    mappings.acquire(runs, "block " + block);
    return new Mapping(block, runs);
  }

  /** Splits a block into runs whose device and virtual addresses both advance page by page. */
  private List<Run> runsOf(MemoryBlock block) throws DeviceException {
    long base;
    int pages;
    try {
      base = sys.address(block.buffer());
      pages = block.pageCount();
    } catch (RuntimeException e) {
      throw VfioErrors.dma(address, "block " + block + ": cannot read its memory: " + e);
    }
    if (pages <= 0) {
      throw VfioErrors.dma(address, "block " + block + ": no pages to map");
    }
    List<Run> runs = new ArrayList<>();
    long runIova = block.deviceAddress(0);
    int first = 0;
    for (int p = 1; p <= pages; p++) {
      if (p == pages || block.deviceAddress(p) != runIova + ((long) (p - first)
          << MemoryBlock.PAGE_SHIFT)) {
        runs.add(new Run(runIova, (long) (p - first) << MemoryBlock.PAGE_SHIFT,
            base + ((long) first << MemoryBlock.PAGE_SHIFT)));
        if (p < pages) {
          runIova = block.deviceAddress(p);
          first = p;
        }
      }
    }
    return runs;
  }

  private void checkRun(MemoryBlock block, Run r) throws VfioException {
    long mask = iommuPageSize - 1;
    if ((r.iova() & mask) != 0 || (r.vaddr() & mask) != 0 || (r.length() & mask) != 0) {
      throw VfioErrors.dma(address, "block " + block + ": " + r + " is not aligned to the"
          + " IOMMU's " + iommuPageSize + "-byte pages");
    }
    if (iovaRanges.isEmpty()) {
      return;
    }
    long last = r.iova() + r.length() - 1;
    for (long[] range : iovaRanges) {
      if (Long.compareUnsigned(r.iova(), range[0]) >= 0
          && Long.compareUnsigned(last, range[1]) <= 0) {
        return;
      }
    }
    throw VfioErrors.dma(address, "block " + block + ": device addresses " + r + " are outside"
        + " the IOMMU's usable ranges " + rangesText() + "; the lockmem allocator uses virtual"
        + " addresses as device addresses, which needs an IOMMU with 48-bit addresses: use the"
        + " pagepool allocator, whose device addresses start at a configurable base ("
        + VfioErrors.GUIDE + ")");
  }

  private String rangesText() {
    return iovaRanges.stream().map(r -> "[0x" + Long.toHexString(r[0]) + "-0x"
        + Long.toHexString(r[1]) + "]").collect(Collectors.joining(", "));
  }

  /** No-IOMMU: the device sees physical addresses, so they must be the block's device addresses. */
  private void checkPhysical(MemoryBlock block, List<Run> runs) throws VfioException {
    int pageSize = sys.pageSize();
    for (Run r : runs) {
      for (long off = 0; off < r.length(); off += MemoryBlock.PAGE_SIZE) {
        long physical;
        try {
          physical = Pagemap.physical(procRoot, r.vaddr() + off, pageSize);
        } catch (IOException e) {
          physical = -1;
        }
        if (physical != r.iova() + off) {
          throw VfioErrors.dma(address, "block " + block + ": no-IOMMU mode makes the device use"
              + " physical addresses, but device address 0x" + Long.toHexString(r.iova() + off)
              + " is at physical " + (physical < 0 ? "(unknown)" : "0x"
                  + Long.toHexString(physical)) + "; no-IOMMU mode needs an allocator whose"
              + " device addresses are physical addresses, which lockmem and pagepool are not ("
              + VfioErrors.GUIDE + ")");
        }
      }
    }
  }

  /** One {@link #mapDma} result; closing it releases its runs once. */
  private final class Mapping implements DmaMapping {
    private final MemoryBlock block;
    private final List<Run> runs;
    private final AtomicBoolean released = new AtomicBoolean();

    Mapping(MemoryBlock block, List<Run> runs) {
      this.block = block;
      this.runs = runs;
    }

    @Override
    public MemoryBlock block() {
      return block;
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        mappings.release(runs);
      }
    }

    @Override
    public String toString() {
      return "VfioMapping[" + address + " " + runs + (released.get() ? " released" : "") + "]";
    }
  }

  /** VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA on the container. */
  private final class Iommu implements IommuMappings.Iommu {
    @Override
    public void map(Run r) throws VfioException {
      ByteBuffer m = VfioLayouts.allocate(DmaMap.SIZE);
      m.putInt(DmaMap.ARGSZ_OFFSET, DmaMap.SIZE);
      m.putInt(DmaMap.FLAGS_OFFSET, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
      m.putLong(DmaMap.VADDR_OFFSET, r.vaddr());
      m.putLong(DmaMap.IOVA_OFFSET, r.iova());
      m.putLong(DmaMap.SIZE_OFFSET, r.length());
      try {
        // SAFETY: the kernel pins the pages at vaddr; the block's owner keeps them mapped until
        // the mapping is closed (MemoryBlock.close: "the caller must know the device no longer
        // uses it"), and pinned pages stay valid for the device even if unmapped early.
        sys.ioctl(containerFd, VFIO_IOMMU_MAP_DMA, m);
      } catch (SysCallException e) {
        throw switch (e.errno()) {
          case SysCallException.ENOMEM -> VfioErrors.pinFailed(address, r.length(), e,
              limitText());
          case SysCallException.EEXIST -> VfioErrors.dma(address, r + ": the IOMMU already maps"
              + " these device addresses (EEXIST)");
          case SysCallException.ENOSPC -> VfioErrors.dma(address, r + ": the IOMMU's limit of DMA"
              + " mappings is reached (ENOSPC; module parameter vfio_iommu_type1"
              + " dma_entry_limit)");
          case SysCallException.EINVAL -> VfioErrors.dma(address, r + ": VFIO_IOMMU_MAP_DMA"
              + " refused it (EINVAL): alignment, or device addresses outside the IOMMU's"
              + " ranges " + (iovaRanges.isEmpty() ? "(unknown)" : rangesText()));
          default -> VfioErrors.systemCall(address, e);
        };
      }
    }

    @Override
    public void unmap(Run r) throws VfioException {
      ByteBuffer u = VfioLayouts.allocate(DmaUnmap.SIZE);
      u.putInt(DmaUnmap.ARGSZ_OFFSET, DmaUnmap.SIZE);
      u.putLong(DmaUnmap.IOVA_OFFSET, r.iova());
      u.putLong(DmaUnmap.SIZE_OFFSET, r.length());
      try {
        sys.ioctl(containerFd, VFIO_IOMMU_UNMAP_DMA, u);
      } catch (SysCallException e) {
        throw VfioErrors.systemCall(address, e);
      }
      long unmapped = u.getLong(DmaUnmap.SIZE_OFFSET);
      if (unmapped != r.length()) {
        LOG.warn("device={} unmap {}: the kernel unmapped {} bytes", address, r, unmapped);
      }
    }
  }

  private String limitText() {
    long l = credentials.memlockLimit();
    return l == Credentials.UNLIMITED ? "unlimited" : l + " bytes";
  }

  /** Number of distinct IOMMU runs mapped now (for tests and diagnostics). */
  int mappedRuns() {
    return mappings.size();
  }

  /** How many mappings hold the run at {@code iova}. */
  int mappedRunsReferences(long iova) {
    return mappings.references(iova);
  }

  /**
   * Releases the device: disables MSI-X, wakes and closes the interrupts, replaces the BAR
   * mappings by all-ones memory (a late register access reads a gone device instead of faulting),
   * drops the IOMMU mappings with the container and closes the fds. On mainline kernels vfio-pci
   * now clears bus mastering and resets the function: the controller does not survive.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    mappings.close();
    ByteBuffer off = VfioLayouts.allocate(IrqSet.SIZE);
    off.putInt(IrqSet.ARGSZ_OFFSET, IrqSet.SIZE);
    off.putInt(IrqSet.FLAGS_OFFSET, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER);
    off.putInt(IrqSet.INDEX_OFFSET, VFIO_PCI_MSIX_IRQ_INDEX);
    try {
      sys.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, off);
    } catch (SysCallException e) {
      LOG.warn("device={} disabling MSI-X: {}", address, e.getMessage());
    }
    for (VfioInterrupt i : interrupts) {
      i.close();
    }
    fdLock.writeLock().lock();
    try {
      synchronized (this) {
        for (VfioBar b : bars.values()) {
          b.retire();
          for (VfioBar.Window w : b.windows()) {
            try {
              // Deliberately not munmap: a thread may still hold the buffer. The replacement
              // (BAR-sized, a few KiB) stays for the life of the process.
              sys.retireMapping(w.address(), w.buffer().capacity());
            } catch (SysCallException e) {
              LOG.error("device={} BAR{}: {}; the BAR stays mapped and the device stays open"
                  + " until the process exits", address, b.index(), e.getMessage());
            }
          }
        }
      }
      sys.close(deviceFd);
      sys.close(groupFd);
      sys.close(containerFd);
    } finally {
      fdLock.writeLock().unlock();
    }
    LOG.info("vfio device closed address={}; vfio-pci resets the function now", address);
  }

  private static String iommuName(int type) {
    return switch (type) {
      case VFIO_TYPE1v2_IOMMU -> "type1v2";
      case VFIO_TYPE1_IOMMU -> "type1";
      case VFIO_NOIOMMU_IOMMU -> "none";
      default -> Integer.toString(type);
    };
  }

  @Override
  public String toString() {
    return "VfioDevice[" + address + " group=" + preflight.group() + " iommu="
        + iommuName(iommuType) + " vectors=" + interrupts.length + (closed ? " closed" : "") + "]";
  }
}
