package io.jnvme.transport.vfio.internal;

import static io.jnvme.transport.vfio.internal.FakeSystem.ADDRESS;
import static io.jnvme.transport.vfio.internal.jna.Ioctls.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceInterrupt;
import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import io.jnvme.device.RegisterIo;
import io.jnvme.dma.lockmem.internal.LockedMemoryProvider;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.transport.vfio.VfioException;
import io.jnvme.transport.vfio.VfioOptions;
import io.jnvme.transport.vfio.VfioProblem;
import io.jnvme.transport.vfio.internal.FakeKernel.Dma;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device against a fake kernel: the open sequence and its failures, the BAR window, MSI-X on
 * real eventfds, IOMMU mappings of both real allocators' blocks, and close.
 */
class VfioDeviceTest {
  @TempDir
  Path root;
  FakeSystem fs;
  FakeKernel kernel;
  VfioDevice device;

  @BeforeEach
  void setUp() {
    fs = new FakeSystem(root);
    kernel = new FakeKernel();
  }

  @AfterEach
  void tearDown() {
    if (device != null) {
      device.close();
    }
  }

  private VfioDevice open(VfioOptions options) throws VfioException {
    return VfioDevice.open(ADDRESS, options, () -> kernel, FakeCredentials.user());
  }

  private VfioDevice open() throws VfioException {
    device = open(fs.options());
    return device;
  }

  private VfioException refused(VfioOptions options) {
    VfioException e = assertThrows(VfioException.class, () -> open(options));
    assertTrue(kernel.openFds.isEmpty(), "every fd closed again: " + kernel.openFds);
    return e;
  }

  @Test
  void opensInTheOrderTheKernelDocumentationGives() throws Exception {
    open();
    List<String> calls = kernel.log.stream().filter(s -> !s.startsWith("SET_IRQS ")).toList();
    assertEquals(List.of(
        "open " + fs.dev.resolve("vfio/vfio"),
        "VFIO_GET_API_VERSION 0",
        "VFIO_CHECK_EXTENSION 3",
        "open " + fs.dev.resolve("vfio/12"),
        "VFIO_GROUP_GET_STATUS",
        "VFIO_GROUP_SET_CONTAINER",
        "VFIO_SET_IOMMU 3",
        "VFIO_IOMMU_GET_INFO",
        "VFIO_IOMMU_GET_INFO",
        "VFIO_GROUP_GET_DEVICE_FD",
        "VFIO_DEVICE_GET_INFO",
        "VFIO_DEVICE_GET_IRQ_INFO",
        "VFIO_DEVICE_GET_REGION_INFO",
        "pread region=7 at=0x4 n=2",
        "pwrite region=7 at=0x4 n=2",
        "VFIO_DEVICE_SET_IRQS"), calls);
    assertEquals(VFIO_TYPE1v2_IOMMU, kernel.iommuSet);
    assertEquals(PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER,
        kernel.config[PciConfig.COMMAND], "memory decoding and bus mastering on");
    int vectors = Math.min(FakeSystem.MSIX, Runtime.getRuntime().availableProcessors() + 1);
    assertEquals(vectors, kernel.irqFds.length);
    assertEquals(List.of("SET_IRQS start=0 count=" + vectors), kernel.logged("SET_IRQS "));
    assertEquals(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, kernel.irqSetFlags);
    assertEquals("vfio:0000:01:00.0", device.id());
    assertEquals("vfio", device.transport());
    assertEquals(vectors, device.maxInterruptCount());
    assertEquals(FakeSystem.MSIX, device.msixTableSize());
    assertFalse(device.noIommu());
  }

  @Test
  void fallsBackToType1AndRefusesAContainerWithoutIt() throws Exception {
    kernel.extensions = new java.util.HashSet<>(java.util.Set.of(VFIO_TYPE1_IOMMU));
    open();
    assertEquals(VFIO_TYPE1_IOMMU, kernel.iommuSet);
    device.close();
    device = null;

    kernel = new FakeKernel();
    kernel.extensions.clear();
    VfioException e = refused(fs.options());
    assertEquals(VfioProblem.UNSUPPORTED, e.problem());
    assertEquals("vfio 0000:01:00.0: the VFIO container offers no type1 IOMMU"
        + " (VFIO_CHECK_EXTENSION VFIO_TYPE1v2_IOMMU and VFIO_TYPE1_IOMMU say no)", e.getMessage());
  }

  @Test
  void anotherApiVersionIsRefused() {
    kernel.apiVersion = 1;
    VfioException e = refused(fs.options());
    assertEquals("vfio 0000:01:00.0: the kernel's VFIO API version is 1, jnvme speaks version 0",
        e.getMessage());
  }

  @Test
  void aGroupTheKernelCallsNotViableIsRefused() {
    kernel.viable = false;
    VfioException e = refused(fs.options());
    assertEquals(VfioProblem.GROUP_NOT_VIABLE, e.problem());
    assertEquals("vfio 0000:01:00.0: IOMMU group 12 is not viable: every device in it must be"
        + " bound to vfio-pci or to no driver, but VFIO_GROUP_GET_STATUS says a device of the"
        + " group is in use by a host driver; bind those to vfio-pci too (see docs/VFIO.md)",
        e.getMessage());
  }

  @Test
  void aDeviceOpenElsewhereIsBusy() {
    kernel.failIoctl.put("VFIO_GROUP_GET_DEVICE_FD", SysCallException.EBUSY);
    VfioException e = refused(fs.options());
    assertEquals(VfioProblem.DEVICE_BUSY, e.problem());
    assertEquals("vfio 0000:01:00.0: busy: VFIO_GROUP_GET_DEVICE_FD returned EBUSY(16); another"
        + " process, or this one, has the group or the device open already", e.getMessage());
  }

  @Test
  void aRefusedOpenIsNoPermissionEvenWhenTheModeAllowedIt() {
    String node = fs.dev.resolve("vfio/12").toString();
    kernel.failOpen.put(node, SysCallException.EACCES);
    VfioException e = refused(fs.options());
    assertEquals(VfioProblem.NO_PERMISSION, e.problem());
    assertEquals("vfio 0000:01:00.0: no permission to open " + node + " read-write (EACCES(13));"
        + " run as root or give the user access to " + node + " (chown, or a udev rule; see"
        + " docs/VFIO.md)", e.getMessage());
  }

  @Test
  void noMsixVectorsFromVfio() throws Exception {
    // An unprivileged reader sees only 64 bytes of config space: VFIO has the last word.
    Files.write(fs.deviceDir(ADDRESS).resolve("config"), new byte[64]);
    kernel.msixCount = 0;
    VfioException e = refused(fs.options());
    assertEquals(VfioProblem.NO_MSIX, e.problem());
    assertEquals("vfio 0000:01:00.0: no MSI-X: VFIO_DEVICE_GET_IRQ_INFO reports 0 MSI-X vectors,"
        + " and jnvme takes interrupts only through MSI-X", e.getMessage());
  }

  @Test
  void anyOtherFailedCallIsNamedWithItsErrno() {
    kernel.failIoctl.put("VFIO_DEVICE_SET_IRQS", SysCallException.EINVAL);
    VfioException e = refused(fs.options());
    assertEquals(VfioProblem.SYSTEM_CALL, e.problem());
    assertEquals("vfio 0000:01:00.0: VFIO_DEVICE_SET_IRQS failed: EINVAL(22)", e.getMessage());
  }

  @Test
  void theVectorOptionBoundsTheEnabledVectors() throws Exception {
    device = open(fs.options().withVectors(4));
    assertEquals(4, device.maxInterruptCount());
    assertEquals(4, kernel.irqFds.length);
    DeviceException e = assertThrows(DeviceException.class, () -> device.mapInterrupt(4, 0));
    assertEquals("vfio 0000:01:00.0: vector 4 is not enabled; 4 of the device's 33 MSI-X vectors"
        + " are (option vectors)", e.getMessage());
    device.close();
    kernel = new FakeKernel();
    device = open(fs.options().withVectors(100));
    assertEquals(FakeSystem.MSIX, device.maxInterruptCount());
  }

  @Test
  void theBarIsAWindowOnTheDeviceRegisters() throws Exception {
    open();
    RegisterIo bar = device.mapBar(0);
    assertSame(bar, device.mapBar(0));
    assertEquals(0x4000, bar.length());
    kernel.bar.putInt(0x1c, 0x1); // CSTS.RDY
    assertEquals(1, bar.read32(0x1c));
    kernel.bar.putLong(0, 0x0020_0030_3c03_0fffL); // CAP
    assertEquals(0x0020_0030_3c03_0fffL, bar.read64(0));
    bar.write64(0x28, 0x1234_5678_9abc_d000L); // ASQ, low half first
    assertEquals(0x9abc_d000, kernel.bar.getInt(0x28));
    assertEquals(0x1234_5678, kernel.bar.getInt(0x2c));
    bar.write32(0x1000, 7); // SQ0 tail doorbell
    assertEquals(7, kernel.bar.getInt(0x1000));
    assertThrows(IllegalArgumentException.class, () -> bar.read32(0x4000));
    assertThrows(IllegalArgumentException.class, () -> bar.read32(2));
    assertThrows(IllegalArgumentException.class, () -> bar.write32(-4, 0));
    assertEquals(List.of("mmap offset=0x0 length=0x4000"), kernel.logged("mmap"));
    assertTrue(kernel.logged("pread region=0").isEmpty(), "no system call for a mapped register");
    DeviceException e = assertThrows(DeviceException.class, () -> device.mapBar(1));
    assertEquals("vfio 0000:01:00.0: BAR1 is not implemented", e.getMessage());
    assertThrows(DeviceException.class, () -> device.mapBar(6));
  }

  @Test
  void aSparseBarIsMappedInPartsAndTheRestGoesThroughTheDeviceFd() throws Exception {
    // The MSI-X table page (0x2000) is not mappable on this kernel.
    kernel.sparseAreas = List.of(new long[] {0, 0x2000}, new long[] {0x3000, 0x1000});
    open();
    RegisterIo bar = device.mapBar(0);
    assertEquals(List.of("mmap offset=0x0 length=0x2000", "mmap offset=0x3000 length=0x1000"),
        kernel.logged("mmap"));
    assertEquals(2, kernel.logged("VFIO_DEVICE_GET_REGION_INFO").size() - 1,
        "asked again with room for the capability chain");
    kernel.bar.putInt(0x2004, 42);
    assertEquals(42, bar.read32(0x2004));
    assertEquals(List.of("pread region=0 at=0x2004 n=4"), kernel.logged("pread region=0"));
    bar.write32(0x3008, 9);
    assertEquals(9, kernel.bar.getInt(0x3008));
    bar.write32(0x2008, 5);
    assertEquals(5, kernel.bar.getInt(0x2008));
    assertEquals(List.of("pwrite region=0 at=0x2008 n=4"), kernel.logged("pwrite region=0"));
  }

  @Test
  void anInterruptIsAnEventfdThatRemembersAndWakes() throws Exception {
    open();
    DeviceInterrupt v1 = device.mapInterrupt(1, 0);
    assertSame(v1, device.mapInterrupt(1, 1), "mapping again retargets the same interrupt");
    assertEquals(1, v1.vector());
    assertFalse(v1.await(10, TimeUnit.MILLISECONDS));
    kernel.raise(1); // nobody waits: remembered
    assertTrue(v1.await(0, TimeUnit.MILLISECONDS));
    assertFalse(v1.await(10, TimeUnit.MILLISECONDS), "consumed");
    v1.wake();
    assertTrue(v1.await(1, TimeUnit.SECONDS));
    assertFalse(device.mapInterrupt(0, 0).await(0, TimeUnit.MILLISECONDS), "vectors are apart");
  }

  @Test
  void closeDisablesMsixRetiresTheBarAndClosesTheFds() throws Exception {
    open();
    RegisterIo bar = device.mapBar(0);
    DeviceInterrupt v0 = device.mapInterrupt(0, 0);
    kernel.log.clear();
    device.close();
    assertEquals(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, kernel.irqSetFlags);
    assertEquals(List.of("SET_IRQS start=0 count=0"), kernel.logged("SET_IRQS "));
    assertEquals(1, kernel.retired.size());
    List<String> closes = kernel.logged("close");
    int vectors = device.maxInterruptCount();
    assertEquals(java.util.Collections.nCopies(vectors, "close eventfd"), closes.subList(0, vectors),
        "the interrupts' eventfds first");
    assertEquals(List.of("close 102", "close 101", "close 100"), closes.subList(vectors,
        closes.size()), "then the device, the group, the container");
    assertTrue(kernel.openFds.isEmpty());
    assertEquals(-1, bar.read32(0x1c), "a late register read sees a gone device");
    bar.write32(0x1000, 1); // dropped, no fault
    long t0 = System.nanoTime();
    assertFalse(v0.await(50, TimeUnit.MILLISECONDS));
    assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(45), "waited, no spin");
    v0.wake();
    assertTrue(v0.await(1, TimeUnit.SECONDS), "wake still wakes");
    kernel.log.clear();
    device.close();
    assertTrue(kernel.log.isEmpty(), "closing twice does nothing");
    assertThrows(DeviceException.class, () -> device.mapBar(0));
    assertThrows(DeviceException.class, () -> device.mapInterrupt(0, 0));
    assertThrows(DeviceException.class, () -> device.mapDma(TestBlock.consecutive(1, 0x10000)));
    device = null;
  }

  @Test
  void lockmemBlocksAreMappedAtTheirVirtualAddresses() throws Exception {
    open();
    DmaClient client = new LockedMemoryProvider().clientFor(device.id());
    try (MemoryBlock block = client.allocate(3 * MemoryBlock.PAGE_SIZE, "sq")) {
      long va = kernel.address(block.buffer());
      assertEquals(va, block.deviceAddress(0), "identity IOVA");
      DmaMapping m1 = device.mapDma(block);
      DmaMapping m2 = device.mapDma(block);
      assertSame(block, m1.block());
      assertEquals(List.of(new Dma(true, va, va, 3 * MemoryBlock.PAGE_SIZE)), kernel.dma);
      assertEquals(2, device.mappedRunsReferences(va));
      m1.close();
      m1.close();
      assertEquals(1, kernel.dma.size(), "still held by the second mapping");
      m2.close();
      assertEquals(new Dma(false, 0, va, 3 * MemoryBlock.PAGE_SIZE), kernel.dma.get(1));
      assertEquals(0, device.mappedRuns());
    }
  }

  @Test
  void pagePoolBlocksAreMappedAtBasePlusOffsetAndReattachedBlocksOnlyCount() throws Exception {
    open();
    long base = 0x40_0000_0000L;
    try (PagePool pool = PagePool.open(root.resolve("pool"), 1 << 20, base)) {
      DmaClient client = pool.clientFor(device.id());
      MemoryBlock a = client.allocate(2 * MemoryBlock.PAGE_SIZE, "admin");
      MemoryBlock b = client.allocate(MemoryBlock.PAGE_SIZE, "data");
      DmaMapping ma = device.mapDma(a);
      DmaMapping mb = device.mapDma(b);
      assertEquals(List.of(
          new Dma(true, kernel.address(a.buffer()), a.deviceAddress(0), 2 * MemoryBlock.PAGE_SIZE),
          new Dma(true, kernel.address(b.buffer()), b.deviceAddress(0), MemoryBlock.PAGE_SIZE)),
          kernel.dma);
      assertTrue(a.deviceAddress(0) >= base && b.deviceAddress(0) < base + (1 << 20));
      assertEquals(b.deviceAddress(0) - a.deviceAddress(0),
          kernel.address(b.buffer()) - kernel.address(a.buffer()), "one mapping of one file");

      // Servicing in one JVM: a new client re-attaches the same memory as new block objects.
      List<MemoryBlock> again = pool.clientFor(device.id()).attachPending();
      assertEquals(2, again.size());
      List<DmaMapping> remapped = new java.util.ArrayList<>();
      for (MemoryBlock x : again) {
        remapped.add(device.mapDma(x));
      }
      assertEquals(2, kernel.dma.size(), "the same runs: counted, not mapped again");
      ma.close();
      mb.close();
      assertEquals(2, kernel.dma.size(), "the old driver's mappings let go; the IOMMU keeps them");
      remapped.forEach(DmaMapping::close);
      assertEquals(4, kernel.dma.size());
      assertFalse(kernel.dma.get(2).map());
      assertFalse(kernel.dma.get(3).map());
    }
  }

  @Test
  void deviceAddressesOutsideTheIommuRangesAreRefusedWithTheReason() throws Exception {
    kernel.iovaRanges = List.of(new long[] {0, (1L << 39) - 1}); // a 39-bit IOMMU
    open();
    try (MemoryBlock block = new LockedMemoryProvider().clientFor(device.id())
        .allocate(MemoryBlock.PAGE_SIZE, "sq")) {
      long va = block.deviceAddress(0);
      VfioException e = assertThrows(VfioException.class, () -> device.mapDma(block));
      assertEquals(VfioProblem.DMA_MAPPING, e.problem());
      assertEquals("vfio 0000:01:00.0: block " + block + ": device addresses iova=0x"
          + Long.toHexString(va) + " length=4096 vaddr=0x" + Long.toHexString(va) + " are outside"
          + " the IOMMU's usable ranges [0x0-0x7fffffffff]; the lockmem allocator uses virtual"
          + " addresses as device addresses, which needs an IOMMU with 48-bit addresses: use the"
          + " pagepool allocator, whose device addresses start at a configurable base (see"
          + " docs/VFIO.md)", e.getMessage());
      assertTrue(kernel.dma.isEmpty());
    }
  }

  @Test
  void pinningPastTheMemlockLimitIsMemlockTooLow() throws Exception {
    kernel.failIoctl.put("VFIO_IOMMU_MAP_DMA", SysCallException.ENOMEM);
    device = VfioDevice.open(ADDRESS, fs.options().withMemlock(0), () -> kernel,
        FakeCredentials.user().withMemlock(65536));
    VfioException e = assertThrows(VfioException.class,
        () -> device.mapDma(TestBlock.consecutive(3, 0x100000)));
    assertEquals(VfioProblem.MEMLOCK_TOO_LOW, e.problem());
    assertEquals("vfio 0000:01:00.0: pinning 12288 bytes for DMA failed (ENOMEM(12)):"
        + " RLIMIT_MEMLOCK is 65536 bytes; raise it (ulimit -l, prlimit --memlock, LimitMEMLOCK="
        + " in a systemd unit, memlock in /etc/security/limits.conf) or grant CAP_IPC_LOCK (see"
        + " docs/VFIO.md)", e.getMessage());
    assertEquals(0, device.mappedRuns());
  }

  @Test
  void overlappingDeviceAddressesAreRefusedAndAFailedBlockMapsNothing() throws Exception {
    open();
    TestBlock first = TestBlock.consecutive(2, 0x100000);
    device.mapDma(first);
    // Page 0 is fine on its own, page 1 overlaps: all or nothing.
    TestBlock second = new TestBlock(TestBlock.alignedDirect(2), 0x200000, 0x101000);
    VfioException e = assertThrows(VfioException.class, () -> device.mapDma(second));
    assertEquals(VfioProblem.DMA_MAPPING, e.problem());
    assertTrue(e.getMessage().contains("overlap the mapped iova=0x100000 length=8192"),
        e.getMessage());
    assertEquals(3, kernel.dma.size(), "first, second's page 0, and its unmap");
    assertEquals(new Dma(false, 0, 0x200000, 4096), kernel.dma.get(2));
    assertEquals(1, device.mappedRuns());
    // The same device addresses from other memory: refused, never silently shared.
    TestBlock other = TestBlock.consecutive(2, 0x100000);
    e = assertThrows(VfioException.class, () -> device.mapDma(other));
    assertTrue(e.getMessage().endsWith("from another virtual address"), e.getMessage());
  }

  @Test
  void aBlockWithScatteredDeviceAddressesIsMappedRunByRun() throws Exception {
    open();
    TestBlock b = new TestBlock(TestBlock.alignedDirect(3), 0x100000, 0x101000, 0x300000);
    long va = kernel.address(b.buffer());
    DmaMapping m = device.mapDma(b);
    assertEquals(List.of(new Dma(true, va, 0x100000, 8192),
        new Dma(true, va + 8192, 0x300000, 4096)), kernel.dma);
    m.close();
    assertEquals(0, device.mappedRuns());
  }

  @Test
  void noIommuModeSetsTheNoIommuModelAndRefusesVirtualDeviceAddresses() throws Exception {
    Files.move(fs.dev.resolve("vfio/12"), fs.dev.resolve("vfio/noiommu-12"));
    kernel.extensions.add(VFIO_NOIOMMU_IOMMU);
    device = VfioDevice.open(ADDRESS, fs.options(), () -> kernel,
        FakeCredentials.user().withCapabilities(Credentials.CAP_SYS_RAWIO));
    assertTrue(device.noIommu());
    assertEquals(VFIO_NOIOMMU_IOMMU, kernel.iommuSet);
    assertTrue(kernel.logged("VFIO_IOMMU_GET_INFO").isEmpty());
    TestBlock b = TestBlock.consecutive(1, 0x100000);
    VfioException e = assertThrows(VfioException.class, () -> device.mapDma(b));
    assertEquals("vfio 0000:01:00.0: block " + b + ": no-IOMMU mode makes the device use physical"
        + " addresses, but device address 0x100000 is at physical (unknown); no-IOMMU mode needs"
        + " an allocator whose device addresses are physical addresses, which lockmem and"
        + " pagepool are not (see docs/VFIO.md)", e.getMessage());
    assertTrue(kernel.dma.isEmpty());
  }

  @Test
  void aNoIommuGroupNeedsTheKernelToOfferNoIommuMode() throws Exception {
    Files.move(fs.dev.resolve("vfio/12"), fs.dev.resolve("vfio/noiommu-12"));
    VfioException e = assertThrows(VfioException.class, () -> VfioDevice.open(ADDRESS,
        fs.options(), () -> kernel, FakeCredentials.user().withCapabilities(
            Credentials.CAP_SYS_RAWIO)));
    assertEquals("vfio 0000:01:00.0: IOMMU group 12 is a no-IOMMU group, but the VFIO container"
        + " does not offer no-IOMMU mode (VFIO_CHECK_EXTENSION VFIO_NOIOMMU_IOMMU)",
        e.getMessage());
  }

  @Test
  void mappingAnInterruptSteersItsHostIrq() throws Exception {
    Files.writeString(fs.proc.resolve("interrupts"), String.join("\n",
        "           CPU0       CPU1",
        "  44:          0          0  IR-PCI-MSIX-0000:01:00.0    0-edge      vfio-msix[0](0000:01:00.0)",
        "  45:          3          0  IR-PCI-MSIX-0000:01:00.0    1-edge      vfio-msix[1](0000:01:00.0)",
        "  46:          0          0  IR-PCI-MSIX-0000:02:00.0    1-edge      vfio-msix[1](0000:02:00.0)",
        ""));
    Files.createDirectories(fs.proc.resolve("irq/45"));
    Files.createDirectories(fs.proc.resolve("irq/46"));
    open();
    device.mapInterrupt(1, 1);
    assertEquals("1", Files.readString(fs.proc.resolve("irq/45/smp_affinity_list")));
    assertFalse(Files.exists(fs.proc.resolve("irq/46/smp_affinity_list")));
  }
}
