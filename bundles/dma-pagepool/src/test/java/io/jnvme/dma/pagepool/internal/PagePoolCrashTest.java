package io.jnvme.dma.pagepool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.DmaClient;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PagePoolConfig;
import io.jnvme.dma.pagepool.PoolAllocation;
import io.jnvme.dma.pagepool.PoolLockedException;
import io.jnvme.dma.pagepool.PoolReport;
import io.jnvme.dma.pagepool.internal.PoolTestSupport.Child;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The page pool against other processes: a second process is locked out, and a process killed at
 * any moment (at a chosen step, or at random with SIGKILL) leaves a pool that opens consistent,
 * with exactly the committed allocations pending.
 */
class PagePoolCrashTest {
  static final long SIZE = 2L << 20;
  static final long BASE = PagePoolConfig.DEFAULT_DEVICE_ADDRESS_BASE;
  static final int SLOTS = 24;
  static final int PAGE = MemoryBlock.PAGE_SIZE;
  static final int ROUNDS = 10;

  private Path dir;
  private Path file;

  @BeforeEach
  void setUp() throws Exception {
    dir = PoolTestSupport.newDirectory();
    file = dir.resolve("jnvme-pool-crash");
  }

  @AfterEach
  void tearDown() throws Exception {
    PoolTestSupport.deleteRecursively(dir);
  }

  private PagePoolConfig config() {
    return new PagePoolConfig(file, SIZE, BASE, SLOTS);
  }

  private String[] args(String mode, String extra) {
    return new String[] {mode, file.toString(), Long.toString(SIZE), "0x" + Long.toHexString(BASE),
        Integer.toString(SLOTS), extra};
  }

  @Test
  void anotherProcessIsLockedOutAndNamedUntilItDies() throws Exception {
    try (Child holder = new Child(args("hold", ""))) {
      long pid = Long.parseLong(holder.await("LOCKED", 15_000).substring("LOCKED ".length()));
      PoolLockedException e = assertThrows(PoolLockedException.class,
          () -> PagePool.open(config()));
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("another process"), e.getMessage());
      assertTrue(e.holder().orElseThrow().contains("pid=" + pid), e.getMessage());
      assertTrue(e.holder().orElseThrow().contains("main=" + PoolChild.class.getName()),
          e.getMessage());
      holder.kill(); // no orderly close: the operating system drops the lock
    }
    try (PagePool pool = PagePool.open(config())) {
      assertTrue(pool.validate().clean());
    }
  }

  /**
   * The child allocates a (3 pages), b (1 page), frees a, allocates c (2 pages), and dies at the
   * first time it reaches {@code step}.
   */
  @ParameterizedTest(name = "killed at {0}")
  @CsvSource({
    // step,     rolled back, pending tags
    "reserved,   1, ''",
    "zeroed,     1, ''",
    "allocated,  0, a",
    "freed,      0, b",
  })
  void aProcessDyingAtAnyStepLeavesOnlyCommittedAllocations(String step, int rolledBack,
      String pendingTags) throws Exception {
    try (Child child = new Child(args("crash-at", step))) {
      child.await("CRASH " + step, 15_000);
      assertEquals(99, child.waitFor(15_000), child.output());
    }
    try (PagePool pool = PagePool.open(config())) {
      PoolReport r = pool.validate();
      assertEquals(rolledBack, r.rolledBackAtOpen(), r.toString());
      assertEquals(pendingTags, String.join(",",
          r.pending().stream().map(PoolAllocation::tag).toList()), r.toString());
      assertEquals(0, r.attached().size());
      checkAccounting(pool, r);
      DmaClient c = pool.clientFor(PoolChild.DEVICE);
      for (MemoryBlock b : c.attachPending()) {
        checkPages(b);
        if (b.tag().equals("b")) {
          assertEquals(b.deviceAddress(0), b.getLong(0), "b's contents survived");
        }
        b.close();
      }
      assertEquals(SIZE - pool.dataOffset(), pool.validate().freeBytes());
    }
  }

  @Test
  void aProcessKilledAtRandomMomentsLeavesAConsistentPool() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    int rolledBackTotal = 0;
    int pendingTotal = 0;
    for (int round = 0; round < ROUNDS; round++) {
      String what = "seed=" + seed + " round=" + round;
      try (Child child = new Child(args("churn", Long.toString(seed + round)))) {
        child.await("READY", 15_000);
        Thread.sleep(20 + random.nextInt(200));
        assertTrue(child.process.isAlive(), what + " the child failed:\n" + child.output());
        child.kill();
        assertNotEquals(0, child.process.exitValue());
      }
      try (PagePool pool = PagePool.open(config())) {
        PoolReport r = pool.validate();
        assertTrue(r.rolledBackAtOpen() <= 1, what + " " + r);
        assertEquals(0, r.attached().size(), what);
        assertEquals(r.slotsInUse(), r.pending().size(), what);
        for (PoolAllocation a : r.pending()) {
          assertEquals(PoolChild.DEVICE, a.deviceId(), what);
        }
        checkAccounting(pool, r);
        // Look at every page the child owned, then leave them for the next child to re-attach.
        for (MemoryBlock b : pool.clientFor(PoolChild.DEVICE).attachPending()) {
          checkPages(b);
        }
        rolledBackTotal += r.rolledBackAtOpen();
        pendingTotal += r.pending().size();
      }
    }
    System.out.println("PagePoolCrashTest: " + ROUNDS + " kills, seed=" + seed + ", "
        + pendingTotal + " allocations found pending, " + rolledBackTotal
        + " uncommitted allocations rolled back");

    // Free what the last child left: the whole data region is one free run again.
    try (PagePool pool = PagePool.open(config())) {
      pool.freePending(PoolChild.DEVICE);
      PoolReport r = pool.validate();
      assertTrue(r.clean(), r.toString());
      assertEquals(SIZE - pool.dataOffset(), r.largestFreeRun());
      MemoryBlock all = pool.clientFor("after").allocate(SIZE - pool.dataOffset(), "all");
      assertEquals(BASE + pool.dataOffset(), all.deviceAddress(0));
      all.close();
    }
  }

  /** Free space plus allocations is the whole data region. */
  private static void checkAccounting(PagePool pool, PoolReport r) {
    long allocated = 0;
    for (PoolAllocation a : r.pending()) {
      allocated += a.size();
    }
    for (PoolAllocation a : r.attached()) {
      allocated += a.size();
    }
    assertEquals(SIZE - pool.dataOffset(), r.freeBytes() + allocated, r.toString());
  }

  /**
   * Each page holds its own device address (the child marked it) or zero (the child died before
   * marking it). Anything else means two blocks shared a page or a block was not zeroed.
   */
  private static void checkPages(MemoryBlock b) {
    for (int p = 0; p < b.pageCount(); p++) {
      long v = b.getLong((long) p * PAGE);
      if (v != 0 && v != b.deviceAddress(p)) {
        throw new AssertionError(b + " page " + p + " holds 0x" + Long.toHexString(v));
      }
    }
  }
}
