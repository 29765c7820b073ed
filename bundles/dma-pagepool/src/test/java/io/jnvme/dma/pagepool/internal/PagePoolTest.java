package io.jnvme.dma.pagepool.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.device.DmaException;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PagePoolConfig;
import io.jnvme.dma.pagepool.PoolAllocation;
import io.jnvme.dma.pagepool.PoolClosedException;
import io.jnvme.dma.pagepool.PoolConfigException;
import io.jnvme.dma.pagepool.PoolFormatException;
import io.jnvme.dma.pagepool.PoolFullException;
import io.jnvme.dma.pagepool.PoolLockedException;
import io.jnvme.dma.pagepool.PoolReport;
import io.jnvme.dma.pagepool.internal.PoolLayout.SlotRecord;
import io.jnvme.dma.pagepool.internal.osgi.PagePoolComponent;
import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PagePoolTest {
  static final long SIZE = 4L << 20;
  static final long BASE = PagePoolConfig.DEFAULT_DEVICE_ADDRESS_BASE;
  static final int SLOTS = 32;
  static final int PAGE = MemoryBlock.PAGE_SIZE;

  private Path dir;
  private Path file;
  private final List<PagePool> opened = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    dir = PoolTestSupport.newDirectory();
    file = dir.resolve("jnvme-pool-test");
  }

  @AfterEach
  void tearDown() throws Exception {
    opened.forEach(PagePool::close);
    PoolTestSupport.deleteRecursively(dir);
  }

  private PagePoolConfig config() {
    return new PagePoolConfig(file, SIZE, BASE, SLOTS);
  }

  private PagePool open() throws Exception {
    return open(config());
  }

  private PagePool open(PagePoolConfig c) throws Exception {
    PagePool p = PagePool.open(c);
    opened.add(p);
    return p;
  }

  private long dataOffset() {
    return PoolLayout.dataOffset(SLOTS);
  }

  private static void fill(MemoryBlock b, long seed) {
    for (long o = 0; o < b.size(); o += 8) {
      b.putLong(o, seed * 0x9E3779B97F4A7C15L + o);
    }
  }

  private static boolean holds(MemoryBlock b, long seed) {
    for (long o = 0; o < b.size(); o += 8) {
      if (b.getLong(o) != seed * 0x9E3779B97F4A7C15L + o) {
        return false;
      }
    }
    return true;
  }

  private static boolean zeroed(MemoryBlock b) {
    for (long o = 0; o < b.size(); o += 8) {
      if (b.getLong(o) != 0) {
        return false;
      }
    }
    return true;
  }

  @Test
  void describesItselfAndCreatesTheFile() throws Exception {
    PagePool pool = open();
    assertEquals("pagepool", pool.name());
    assertTrue(pool.persistent());
    DmaClient c = pool.clientFor("nvme0");
    assertEquals("pagepool", c.allocatorName());
    assertTrue(c.persistent());
    assertEquals(List.of(), c.attachPending());
    assertEquals(SIZE, Files.size(file));
    assertEquals(5 * PAGE, pool.dataOffset()); // header page + 32 slots * 512 bytes
    PoolReport r = pool.validate();
    assertTrue(r.clean());
    assertEquals(SIZE - pool.dataOffset(), r.freeBytes());
    assertEquals(SIZE - pool.dataOffset(), r.largestFreeRun());
    assertEquals(1, r.formatVersion());
    assertEquals(SLOTS, r.slotCount());
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(file)), "DMA data is for its owner only");
  }

  @Test
  void runsNeverCrossAOneGibibyteWindow() {
    long w = PoolLayout.WINDOW_SIZE;
    assertEquals(4096, PoolFile.fit(4096, 3 * w, w - 4096));
    assertEquals(w, PoolFile.fit(8192, 3 * w, w - 4096), "would cross: moved to the boundary");
    assertEquals(w, PoolFile.fit(w - 4096, 3 * w, 2 * 4096));
    assertEquals(-1, PoolFile.fit(w - 4096, w + 4096, 2 * 4096), "no room after the boundary");
    assertEquals(w, PoolFile.fit(w, 2 * w, w));
    assertEquals(w - 4096, PoolFile.largestIn(4096, w + 4096));
    assertEquals(w, PoolFile.largestIn(4096, 2 * w));
  }

  @Test
  void allocatesZeroedContiguousBlocksAndReusesFreedRuns() throws Exception {
    PagePool pool = open();
    DmaClient c = pool.clientFor("nvme0");
    MemoryBlock a = c.allocate(10_000, "a");
    MemoryBlock b = c.allocate(PAGE, "b");
    assertEquals(3 * PAGE, a.size());
    assertEquals(3, a.pageCount());
    assertEquals("a", a.tag());
    assertEquals("pagepool", a.allocatorName());
    assertTrue(a.persistent());
    assertTrue(a.contiguous());
    ByteBuffer buf = a.buffer();
    assertTrue(buf.isDirect());
    assertEquals(ByteOrder.LITTLE_ENDIAN, buf.order());
    assertEquals(a.size(), buf.limit());
    assertTrue(zeroed(a));
    // Device address = base + file offset; first fit puts a at the start of the data region.
    assertEquals(BASE + dataOffset(), a.deviceAddress(0));
    assertEquals(BASE + dataOffset() + 2 * PAGE, a.deviceAddress(2));
    assertEquals(BASE + dataOffset() + 3 * PAGE, b.deviceAddress(0));
    assertThrows(IndexOutOfBoundsException.class, () -> a.deviceAddress(3));

    fill(a, 1);
    a.putIntRelease(8, 7);
    assertEquals(7, a.getIntAcquire(8));
    long aAddress = a.deviceAddress(0);
    a.close();
    a.close(); // no effect
    assertThrows(IllegalStateException.class, a::buffer);
    assertEquals(SIZE - dataOffset() - PAGE, pool.validate().freeBytes());

    MemoryBlock d = c.allocate(2 * PAGE, "d");
    assertEquals(aAddress, d.deviceAddress(0), "first fit reuses the freed run");
    assertTrue(zeroed(d), "a reused run is zeroed");
    MemoryBlock e = c.allocate(2 * PAGE, "e");
    assertEquals(BASE + dataOffset() + 4 * PAGE, e.deviceAddress(0), "the gap was too small");
    b.close();
    d.close();
    e.close();
    assertEquals(SIZE - dataOffset(), pool.validate().freeBytes());
  }

  @Test
  void reopenedPoolGivesBackTheSameBlocksWithTheirContents() throws Exception {
    PagePool pool = open();
    DmaClient c = pool.clientFor("nvme-a");
    List<MemoryBlock> before = List.of(c.allocate(PAGE, "admin.sq"),
        c.allocate(PAGE, "admin.cq"), c.allocate(16 * PAGE, "ioq1"));
    for (int i = 0; i < before.size(); i++) {
      fill(before.get(i), i + 1);
    }
    MemoryBlock other = pool.clientFor("nvme-b").allocate(2 * PAGE, "admin.sq");
    fill(other, 99);
    pool.close(); // the driver and the pool go away; the blocks are not closed

    PagePool again = open();
    assertNotSame(pool, again);
    PoolReport r = again.validate();
    assertEquals(4, r.pending().size());
    assertEquals(0, r.attached().size());
    assertEquals(3, r.pendingFor("nvme-a").size());

    DmaClient c2 = again.clientFor("nvme-a");
    List<MemoryBlock> after = c2.attachPending();
    assertEquals(3, after.size());
    for (int i = 0; i < before.size(); i++) {
      MemoryBlock old = before.get(i);
      MemoryBlock now = after.get(i);
      assertEquals(old.tag(), now.tag());
      assertEquals(old.size(), now.size());
      assertTrue(now.persistent());
      for (int p = 0; p < old.pageCount(); p++) {
        assertEquals(old.deviceAddress(p), now.deviceAddress(p), "stable device address");
      }
      assertTrue(holds(now, i + 1), "contents survive");
    }
    // The same memory: a store through the new block shows in the old mapping.
    after.get(0).putLong(0, 0x1234);
    assertEquals(0x1234, before.get(0).getLong(0));

    assertEquals(List.of(), c2.attachPending(), "nothing left to attach");
    r = again.validate();
    assertEquals(3, r.attachedFor("nvme-a").size());
    assertEquals(List.of("nvme-b"),
        r.pending().stream().map(PoolAllocation::deviceId).collect(Collectors.toList()));
    assertFalse(r.clean());

    // A block of the closed pool no longer frees anything.
    before.get(1).close();
    assertEquals(3, again.validate().attachedFor("nvme-a").size());

    // The driver of nvme-b must start cold: it frees its stale blocks.
    List<PoolAllocation> freed = again.freePending("nvme-b");
    assertEquals(1, freed.size());
    assertEquals(other.deviceAddress(0), freed.get(0).deviceAddress());
    assertTrue(again.validate().clean());
    after.forEach(MemoryBlock::close);
    assertEquals(SIZE - dataOffset(), again.validate().freeBytes());
  }

  @Test
  void aNewClientTakesOverTheBlocksOfTheDriverItReplaces() throws Exception {
    PagePool pool = open();
    DmaClient old = pool.clientFor("nvme0");
    MemoryBlock b = old.allocate(4 * PAGE, "ioq1");
    fill(b, 5);

    DmaClient next = pool.clientFor("nvme0"); // the previous driver let go
    PoolReport r = pool.validate();
    assertEquals(1, r.pendingFor("nvme0").size(), "superseded blocks are pending");
    assertThrows(PoolClosedException.class, () -> old.allocate(PAGE, "late"));
    assertThrows(PoolClosedException.class, old::attachPending);

    List<MemoryBlock> taken = next.attachPending();
    assertEquals(1, taken.size());
    assertEquals(b.deviceAddress(0), taken.get(0).deviceAddress(0));
    assertTrue(holds(taken.get(0), 5));
    assertTrue(pool.validate().clean());

    b.close(); // detached: the allocation belongs to the new client now
    assertEquals(1, pool.validate().attached().size());
    taken.get(0).close();
    assertEquals(0, pool.validate().slotsInUse());
  }

  @Test
  void aDroppedBlockStaysAllocatedAndBecomesPending() throws Exception {
    PagePool pool = open();
    DmaClient c = pool.clientFor("nvme0");
    long address = allocateAndDrop(c);
    for (int i = 0; i < 200 && pool.validate().clean(); i++) {
      System.gc();
      Thread.sleep(10);
    }
    PoolReport r = pool.validate();
    assertEquals(1, r.pending().size(), "the garbage collected block is pending, not freed");
    assertEquals(address, r.pending().get(0).deviceAddress());
    List<MemoryBlock> back = c.attachPending();
    assertEquals(1, back.size());
    assertEquals(address, back.get(0).deviceAddress(0));
    assertTrue(holds(back.get(0), 3));
  }

  private static long allocateAndDrop(DmaClient c) throws DmaException {
    MemoryBlock b = c.allocate(PAGE, "dropped");
    fill(b, 3);
    return b.deviceAddress(0);
  }

  @Test
  void staleBlocksAreFreedThroughTheDmaClientInterfaceToo() throws Exception {
    PagePool pool = open();
    DmaClient c = pool.clientFor("nvme0");
    c.allocate(PAGE, "a");
    c.allocate(8 * PAGE, "b");
    pool.close();

    PagePool again = open();
    assertEquals(2, again.validate().pending().size());
    DmaClient cold = again.clientFor("nvme0");
    for (MemoryBlock stale : cold.attachPending()) {
      stale.close();
    }
    PoolReport r = again.validate();
    assertTrue(r.clean());
    assertEquals(0, r.slotsInUse());
    assertEquals(SIZE - dataOffset(), r.freeBytes());
  }

  @Test
  void freeAllPendingFreesEveryDevice() throws Exception {
    PagePool pool = open();
    pool.clientFor("a").allocate(PAGE, "x");
    pool.clientFor("b").allocate(PAGE, "y");
    MemoryBlock kept = pool.clientFor("c").allocate(PAGE, "z");
    pool.clientFor("a");
    pool.clientFor("b");
    assertEquals(2, pool.freeAllPending().size());
    PoolReport r = pool.validate();
    assertTrue(r.clean());
    assertEquals(1, r.attached().size());
    assertTrue(kept.buffer().isDirect());
  }

  @Test
  void fullPoolSaysWhatWasAskedAndWhatIsFree() throws Exception {
    PagePool pool = open();
    DmaClient c = pool.clientFor("nvme0");
    long data = SIZE - dataOffset();
    PoolFullException e = assertThrows(PoolFullException.class, () -> c.allocate(SIZE, "big"));
    assertEquals(SIZE, e.requested());
    assertEquals(data, e.freeBytes());
    assertEquals(data, e.largestFreeRun());
    assertTrue(e.getMessage().contains("requested=" + SIZE), e.getMessage());
    assertTrue(e.getMessage().contains("free=" + data), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());

    // Fragment: free every other block, then ask for two pages.
    List<MemoryBlock> blocks = new ArrayList<>();
    long pages = data / PAGE;
    int slots = SLOTS;
    long each = pages / slots;
    for (int i = 0; i < slots; i++) {
      blocks.add(c.allocate(each * PAGE, "f" + i));
    }
    PoolFullException slotsFull = assertThrows(PoolFullException.class,
        () -> c.allocate(PAGE, "one-too-many"));
    assertEquals(SLOTS, slotsFull.slotsInUse());
    assertTrue(slotsFull.getMessage().contains("slot table full"), slotsFull.getMessage());
    for (int i = 0; i < slots; i += 2) {
      blocks.get(i).close();
    }
    PoolFullException fragmented = assertThrows(PoolFullException.class,
        () -> c.allocate((each + 1) * PAGE, "fragmented"));
    assertEquals(each * PAGE, fragmented.largestFreeRun());
    assertTrue(fragmented.freeBytes() > fragmented.requested());
  }

  @Test
  void badRequestsAndConfigurationsAreTypedErrors() throws Exception {
    assertThrows(PoolConfigException.class,
        () -> open(new PagePoolConfig(file, SIZE + 1, BASE, SLOTS)));
    assertThrows(PoolConfigException.class,
        () -> open(new PagePoolConfig(file, SIZE, BASE + 1, SLOTS)));
    assertThrows(PoolConfigException.class,
        () -> open(new PagePoolConfig(file, SIZE, -PAGE, SLOTS)));
    assertThrows(PoolConfigException.class,
        () -> open(new PagePoolConfig(file, SIZE, BASE, 0)));
    assertThrows(PoolConfigException.class,
        () -> open(new PagePoolConfig(file, 8 * PAGE, BASE, 1000)), "no room for data");
    PoolConfigException noDir = assertThrows(PoolConfigException.class,
        () -> open(new PagePoolConfig(dir.resolve("missing/pool"), SIZE, BASE, SLOTS)));
    assertTrue(noDir.getMessage().contains("missing"), noDir.getMessage());
    assertThrows(PoolConfigException.class,
        () -> PagePoolConfig.of(dir, "../escape", SIZE, BASE, SLOTS));
    assertFalse(Files.exists(file), "nothing was created");

    PagePool pool = open();
    DmaClient c = pool.clientFor("nvme0");
    assertThrows(DmaException.class, () -> c.allocate(0, "zero"));
    assertThrows(DmaException.class, () -> c.allocate((1L << 30) + 1, "huge"));
    assertThrows(DmaException.class, () -> c.allocate(PAGE, "t".repeat(65)));
    assertThrows(IllegalArgumentException.class, () -> pool.clientFor(""));
    assertThrows(IllegalArgumentException.class, () -> pool.clientFor("d".repeat(129)));
  }

  @Test
  void reopeningWithAnotherSizeOrBaseFailsAndLeavesTheFileAlone() throws Exception {
    PagePool pool = open();
    pool.clientFor("nvme0").allocate(PAGE, "keep");
    pool.close();
    byte[] before = Files.readAllBytes(file);

    PoolConfigException size = assertThrows(PoolConfigException.class,
        () -> open(new PagePoolConfig(file, 2 * SIZE, BASE, SLOTS)));
    assertTrue(size.getMessage().contains("size=" + SIZE), size.getMessage());
    assertThrows(PoolConfigException.class,
        () -> open(new PagePoolConfig(file, SIZE, BASE + (1L << 30), SLOTS)));
    assertArrayEquals(before, Files.readAllBytes(file));

    // The slot count is the file's; a different configured one is only a note.
    PagePool again = open(new PagePoolConfig(file, SIZE, BASE, 8));
    assertEquals(SLOTS, again.config().maxAllocations());
    assertEquals(1, again.validate().pending().size());
  }

  @Test
  void aCorruptHeaderIsATypedErrorAndChangesNothing() throws Exception {
    open().close();
    byte[] good = Files.readAllBytes(file);

    corruptAndExpect(good, 20, (byte) 0x01, "checksum");
    corruptAndExpect(good, 0, (byte) 'X', "not a jnvme page pool");

    byte[] v2 = good.clone();
    ByteBuffer h = ByteBuffer.wrap(v2).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(PoolLayout.VERSION_OFFSET, 2);
    h.putInt(PoolLayout.HEADER_CRC_OFFSET, PoolLayout.crc(v2, 0, PoolLayout.HEADER_CHECKED_LENGTH));
    Files.write(file, v2);
    PoolFormatException version = assertThrows(PoolFormatException.class, this::open);
    assertTrue(version.getMessage().contains("unsupported formatVersion=2"), version.getMessage());
    assertArrayEquals(v2, Files.readAllBytes(file));

    byte[] truncated = java.util.Arrays.copyOf(good, good.length - PAGE);
    Files.write(file, truncated);
    PoolFormatException shorter = assertThrows(PoolFormatException.class, this::open);
    assertTrue(shorter.getMessage().contains("truncated"), shorter.getMessage());

    byte[] garbage = new byte[(int) SIZE];
    new java.util.Random(1).nextBytes(garbage);
    Files.write(file, garbage);
    assertThrows(PoolFormatException.class, this::open);
    assertArrayEquals(garbage, Files.readAllBytes(file));

    Files.write(file, good);
    open().validate(); // and the good file still opens
  }

  private void corruptAndExpect(byte[] good, int offset, byte xor, String expected)
      throws Exception {
    byte[] bad = good.clone();
    bad[offset] ^= xor;
    Files.write(file, bad);
    PoolFormatException e = assertThrows(PoolFormatException.class, this::open);
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertArrayEquals(bad, Files.readAllBytes(file), "a corrupt file is left as it was");
  }

  @Test
  void aTornSlotWriteLeavesThePreviousStateOfTheSlot() throws Exception {
    PagePool pool = open();
    MemoryBlock b = pool.clientFor("nvme0").allocate(PAGE, "torn");
    long address = b.deviceAddress(0);
    pool.close();
    // Slot 0 was written twice: RESERVED into copy 0, then ALLOCATED into copy 1. Tear the
    // second write: the slot falls back to RESERVED, which opening rolls back.
    tear(0, 1);
    PagePool again = open();
    PoolReport r = again.validate();
    assertEquals(1, r.rolledBackAtOpen());
    assertEquals(0, r.slotsInUse());
    MemoryBlock reused = again.clientFor("nvme0").allocate(PAGE, "next");
    assertEquals(address, reused.deviceAddress(0));
    again.close();

    // Now slot 0 holds FREE (rollback, copy 1), RESERVED (copy 0), then ALLOCATED (copy 1).
    // Tear the RESERVED copy too: the ALLOCATED record still stands.
    tear(0, 0);
    PagePool third = open();
    assertEquals(1, third.validate().pending().size());
    third.close();

    // Both copies damaged is not something a crash can do: refuse the file.
    tear(0, 1);
    PoolFormatException e = assertThrows(PoolFormatException.class, this::open);
    assertTrue(e.getMessage().contains("both copies"), e.getMessage());
  }

  @Test
  void aTornFirstWriteOfASlotMeansFree() throws Exception {
    open().close();
    tear(3, 0); // never written before: copy 1 is all zeros
    PagePool pool = open();
    assertEquals(0, pool.validate().slotsInUse());
    assertEquals(0, pool.validate().rolledBackAtOpen());
  }

  @Test
  void overlappingOrMisplacedAllocationsAreRejected() throws Exception {
    PagePool pool = open();
    MemoryBlock b = pool.clientFor("nvme0").allocate(4 * PAGE, "first");
    long offset = b.deviceAddress(0) - BASE;
    pool.close();

    writeSlot(5, 0, new SlotRecord(PoolLayout.ALLOCATED, 5, 1, 77, offset + PAGE, PAGE, 0,
        "nvme1", "overlap"));
    PoolFormatException overlap = assertThrows(PoolFormatException.class, this::open);
    assertTrue(overlap.getMessage().contains("overlap"), overlap.getMessage());

    writeSlot(5, 0, new SlotRecord(PoolLayout.ALLOCATED, 5, 2, 77, SIZE - PAGE, 2 * PAGE, 0,
        "nvme1", "outside"));
    PoolFormatException outside = assertThrows(PoolFormatException.class, this::open);
    assertTrue(outside.getMessage().contains("impossible allocation"), outside.getMessage());

    writeSlot(5, 0, new SlotRecord(PoolLayout.ALLOCATED, 6, 3, 77, SIZE - PAGE, PAGE, 0,
        "nvme1", "misplaced"));
    assertThrows(PoolFormatException.class, this::open);

    writeSlot(5, 0, new SlotRecord(PoolLayout.ALLOCATED, 5, 4, 77, SIZE - PAGE, PAGE, 0,
        "nvme1", "fine"));
    PoolReport r = open().validate();
    assertEquals(2, r.pending().size());
  }

  private void tear(int slot, int copy) throws Exception {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      // The second half of the record never made it: garbage where the tag and checksum are.
      ByteBuffer junk = ByteBuffer.allocate(PoolLayout.SLOT_RECORD_SIZE / 2);
      for (int i = 0; i < junk.capacity(); i++) {
        junk.put(i, (byte) (0x5A ^ i));
      }
      ch.write(junk, PoolLayout.slotCopyOffset(slot, copy) + PoolLayout.SLOT_RECORD_SIZE / 2);
    }
  }

  private void writeSlot(int slot, int copy, SlotRecord r) throws Exception {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(r.encode()), PoolLayout.slotCopyOffset(slot, copy));
    }
  }

  @Test
  void aSecondOpenerInThisJvmIsRefusedWithTheHolder() throws Exception {
    PagePool pool = open();
    PoolLockedException e = assertThrows(PoolLockedException.class, this::open);
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("already open in this JVM"), e.getMessage());
    pool.close();
    assertFalse(pool.isOpen());
    assertThrows(PoolClosedException.class, pool::validate);
    assertThrows(PoolClosedException.class,
        () -> pool.clientFor("nvme0").allocate(PAGE, "closed"));
    open().validate();
  }

  @Test
  void withdrawingKeepsBlocksValidAndClosesAfterTheLastOne() throws Exception {
    PagePool pool = open();
    DmaClient c = pool.clientFor("nvme0");
    MemoryBlock inUse = c.allocate(2 * PAGE, "ioq1");
    fill(inUse, 11);
    pool.withdraw();
    assertTrue(pool.isOpen(), "a queue still uses a block");
    assertThrows(PoolClosedException.class, () -> c.allocate(PAGE, "after"));
    assertTrue(holds(inUse, 11));

    // The bundle starts again: opening the file resumes the same pool.
    PagePool resumed = PagePool.open(config());
    assertSame(pool, resumed);
    MemoryBlock more = c.allocate(PAGE, "more");
    pool.withdraw();
    more.close();
    assertTrue(pool.isOpen());
    inUse.close();
    assertFalse(pool.isOpen(), "the last block closed: the pool let go of the file");

    PagePool fresh = open();
    assertNotSame(pool, fresh);
    assertTrue(fresh.validate().clean());
    assertEquals(0, fresh.validate().slotsInUse());
  }

  @Test
  void withdrawingAnIdlePoolClosesIt() throws Exception {
    PagePool pool = open();
    pool.withdraw();
    assertFalse(pool.isOpen());
    open().validate();
  }

  @Test
  void theServiceLoaderProviderOpensThePoolOnlyWhenUsed() throws Exception {
    List<String> names = ServiceLoader.load(DmaClientProvider.class).stream()
        .map(p -> p.type().getName()).toList();
    assertTrue(names.contains(PagePoolProvider.class.getName()), names.toString());

    PagePoolProvider provider = new PagePoolProvider(config());
    assertEquals("pagepool", provider.name());
    assertTrue(provider.persistent());
    DmaClient c = provider.clientFor("nvme0");
    assertFalse(Files.exists(file), "no file until the first allocation");
    MemoryBlock b = c.allocate(PAGE, "lazy");
    assertTrue(b.persistent());
    opened.add(provider.pool());
    assertEquals(1, provider.pool().validate().attached().size());

    PagePoolProvider broken = new PagePoolProvider(new PagePoolConfig(file, SIZE + 1, BASE));
    DmaClient bc = broken.clientFor("nvme0");
    assertThrows(PoolConfigException.class, () -> bc.allocate(PAGE, "x"));
  }

  @Test
  void systemPropertyConfigurationIsParsed() throws Exception {
    Properties p = new Properties();
    assertEquals(PagePoolConfig.defaults(), PagePoolConfig.fromProperties(p));
    p.setProperty("jnvme.pagepool.directory", dir.toString());
    p.setProperty("jnvme.pagepool.name", "sp");
    p.setProperty("jnvme.pagepool.size", "8m");
    p.setProperty("jnvme.pagepool.deviceAddressBase", "0x80_0000_0000");
    p.setProperty("jnvme.pagepool.maxAllocations", "64");
    assertEquals(new PagePoolConfig(dir.resolve("jnvme-pool-sp"), 8L << 20, 0x80_0000_0000L, 64),
        PagePoolConfig.fromProperties(p));
    p.setProperty("jnvme.pagepool.size", "lots");
    assertThrows(PoolConfigException.class, () -> PagePoolConfig.fromProperties(p));
    p.setProperty("jnvme.pagepool.size", "1g");
    p.setProperty("jnvme.pagepool.maxAllocations", "0");
    assertThrows(PoolConfigException.class, () -> PagePoolConfig.fromProperties(p));
  }

  @Test
  void theComponentOpensOnActivationAndOnlyWithdrawsOnDeactivation() throws Exception {
    PagePoolComponent component = new PagePoolComponent(componentConfig(Map.of()));
    opened.add(component);
    assertEquals("pagepool", component.name());
    assertTrue(component.persistent());
    assertEquals(dir.resolve("jnvme-pool-comp"), component.file());
    MemoryBlock b = component.clientFor("nvme0").allocate(PAGE, "ioq1");

    deactivate(component);
    assertTrue(component.isOpen());
    assertTrue(b.buffer().isDirect());

    // Reactivation while the block is in use resumes the same pool.
    PagePoolComponent again = new PagePoolComponent(componentConfig(Map.of()));
    opened.add(again);
    assertEquals(1, again.validate().attached().size());
    assertThrows(PoolLockedException.class,
        () -> new PagePoolComponent(componentConfig(Map.of())), "one active component per file");
    deactivate(again);
    // A changed size cannot resume a pool whose blocks are in use: device addresses would move.
    assertThrows(PoolConfigException.class,
        () -> new PagePoolComponent(componentConfig(Map.of("size", 16L << 20))));
    assertTrue(again.isOpen());
    b.close();
    assertFalse(again.isOpen());
  }

  private static void deactivate(PagePoolComponent c) throws Exception {
    var m = PagePoolComponent.class.getDeclaredMethod("deactivate");
    m.setAccessible(true);
    m.invoke(c);
  }

  private PagePoolComponent.Config componentConfig(Map<String, Object> overrides) {
    Path directory = dir;
    return new PagePoolComponent.Config() {
      @Override
      public Class<? extends Annotation> annotationType() {
        return PagePoolComponent.Config.class;
      }

      @Override
      public String directory() {
        return directory.toString();
      }

      @Override
      public String pool_name() {
        return "comp";
      }

      @Override
      public long size() {
        return (Long) overrides.getOrDefault("size", 8L << 20);
      }

      @Override
      public long device_address_base() {
        return BASE;
      }

      @Override
      public int max_allocations() {
        return 16;
      }
    };
  }
}
