package io.jnvme.transport.qemu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jnvme.device.Device;
import io.jnvme.device.DmaClient;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.driver.ControllerInfo;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.ControllerState;
import io.jnvme.driver.InvalidRequestException;
import io.jnvme.driver.IoQueueInfo;
import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NamespaceInfo;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeDriverFactory;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.driver.savestate.SavedStateCodec;
import io.jnvme.spec.Bar0;
import io.jnvme.spec.Csts;
import io.jnvme.spec.IdentifyController;
import io.jnvme.spec.IdentifyNamespace;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The driver conformance suite: the real driver against a transport's controller, the same
 * checks for every transport. A subclass brings the controller ({@link #newTarget()}) with the
 * namespaces the suite expects:
 *
 * <ul>
 *   <li>NSID 1: {@value #NS1_BYTES} bytes, 512-byte blocks, attached;
 *   <li>NSID 2: {@value #NS2_BYTES} bytes, 4096-byte blocks, attached;
 *   <li>NSID 3: {@value #NS3_BYTES} bytes, 512-byte blocks, detached until the test attaches it;
 *   <li>MDTS 9 (2 MiB), at least 2 I/O queues and 3 interrupt vectors.
 * </ul>
 *
 * <p>A transport that lacks a feature says so in {@link Target#lacks()}, with the reason; the
 * test of that feature is then skipped with the reason, and nothing else is.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class DriverConformanceSuite {
  static final long NS1_BYTES = 64L << 20;
  static final long NS2_BYTES = 32L << 20;
  static final long NS3_BYTES = 16L << 20;
  /**
   * 2 MiB: an unaligned buffer of that size takes 513 pages, so the PRP list chains to a second
   * page. Not 4 MiB: QEMU 7.2 fails a transfer of more than 1024 pages (its I/O vector limit,
   * IOV_MAX) with Internal Error, which an unaligned 4 MiB buffer needs.
   */
  static final int MDTS = 9;
  static final long MAX_TRANSFER = 2L << 20;
  private static final Duration WAIT = Duration.ofSeconds(15);

  /** Features some controllers lack; a transport lists the ones it lacks with the reason. */
  enum Capability {
    /** Reservation Register/Report/Acquire/Release (ONCS bit 5). */
    RESERVATIONS,
    /** Namespace Management, create and delete (admin opcode 0Dh, OACS bit 3). */
    NAMESPACE_MANAGEMENT
  }

  /** A controller to test, from one transport. */
  interface Target extends AutoCloseable {
    Device device();

    /** The persistent page pool the driver's memory comes from. */
    PagePool pool();

    /** Attaches namespace 3 (or another) as an administrator would, with a notice. */
    void attachNamespace(int nsid) throws Exception;

    void detachNamespace(int nsid) throws Exception;

    /** Controller resets (CC.EN 1 to 0) since the target was made. */
    long resets();

    /** Capabilities this transport lacks, with the reason. */
    Map<Capability, String> lacks();

    /** Checks the controller really lacks {@code c} the way the reason says (a quirk check). */
    default void checkLack(Capability c, NvmeController ctrl) {}

    @Override
    void close() throws Exception;
  }

  protected final NvmeDriverFactory factory = new DriverFactory();
  protected Target target;
  private final List<NvmeController> controllers = new ArrayList<>();

  /** Makes the controller under test, fresh for every test. */
  protected abstract Target newTarget() throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    target = newTarget();
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      for (NvmeController c : controllers) {
        if (c.state() != ControllerState.SHUT_DOWN) {
          c.close();
        }
      }
    } finally {
      if (target != null) {
        target.close();
      }
    }
  }

  protected ControllerOptions options() {
    return ControllerOptions.defaults("nvme0")
        .withCpuCount(2)
        .withMaxIoQueues(2)
        .withCommandTimeout(Duration.ofSeconds(10))
        .withHealthCheckInterval(Duration.ofMillis(50))
        .withMaxTransferBytes(MAX_TRANSFER)
        .withKeepalive(true);
  }

  private DmaClient dma() {
    return target.pool().clientFor(target.device().id());
  }

  protected NvmeController start() throws Exception {
    return track(factory.start(target.device(), dma(), options()));
  }

  private NvmeController track(NvmeController c) {
    controllers.add(c);
    return c;
  }

  // ------------------------------------------------------------------ Identify

  @Test
  void identifyControllerReportsWhatTheDriverNeeds() throws Exception {
    NvmeController c = start();
    ControllerInfo info = c.info();
    assertFalse(info.serialNumber().isBlank(), "SN");
    assertFalse(info.modelNumber().isBlank(), "MN");
    assertTrue(info.version().compareTo("1.3") >= 0, "version " + info.version());
    assertEquals(MDTS, info.mdts());
    assertEquals(MAX_TRANSFER, info.maxTransferBytes());
    assertTrue(info.nn() >= 3, "NN " + info.nn());
    assertNotEquals(0, info.oncs() & IdentifyController.ONCS_DSM, "ONCS: Dataset Management");
    assertNotEquals(0, info.oncs() & IdentifyController.ONCS_WRITE_ZEROES, "ONCS: Write Zeroes");
    assertNotEquals(0, info.oaes() & IdentifyController.OAES_NAMESPACE_ATTRIBUTE_NOTICES,
        "OAES: namespace attribute notices");
    assertNotEquals(0, info.vwc() & 1, "VWC present");
    ByteBuffer raw = c.identifyController();
    assertEquals(IdentifyController.SIZE, raw.remaining());
    IdentifyController id = new IdentifyController().wrap(raw, 0);
    assertEquals(info.serialNumber(), id.sn());
    assertEquals(0x66, raw.get(IdentifyController.SQES_OFFSET) & 0xFF, "SQES");
    assertEquals(0x44, raw.get(IdentifyController.CQES_OFFSET) & 0xFF, "CQES");
  }

  @Test
  void identifyNamespacesGivesTheConfiguredSizesAndFormats() throws Exception {
    NvmeController c = start();
    List<NamespaceInfo> ns = c.namespaces();
    assertEquals(List.of(1, 2), ns.stream().map(NamespaceInfo::nsid).toList());
    assertEquals(NS1_BYTES / 512, ns.get(0).blockCount());
    assertEquals(512, ns.get(0).blockSize());
    assertEquals(NS2_BYTES / 4096, ns.get(1).blockCount());
    assertEquals(4096, ns.get(1).blockSize());
    assertEquals((int) (MAX_TRANSFER / 512), ns.get(0).maxTransferBlocks());
    IdentifyNamespace id1 = new IdentifyNamespace().wrap(c.identifyNamespace(1), 0);
    assertEquals(NS1_BYTES / 512, id1.nsze());
    assertEquals(NS1_BYTES / 512, id1.ncap());
    // An allocated but detached NSID reads as zeros (not active).
    IdentifyNamespace id3 = new IdentifyNamespace().wrap(c.identifyNamespace(3), 0);
    assertEquals(0, id3.nsze());
    assertEquals(NamespaceException.Reason.NOT_FOUND,
        assertThrows(NamespaceException.class, () -> c.open(3, "t")).reason());
  }

  // ------------------------------------------------------------------ I/O

  /** Sizes that exercise PRP1 only, PRP1 + PRP2, a PRP list, and chained PRP list pages. */
  @Test
  void readWriteRoundTripsAtEverySizeAndOffset() throws Exception {
    NvmeController c = start();
    MemoryBlock buf = c.allocateBuffer(MAX_TRANSFER + 8192);
    MemoryBlock back = c.allocateBuffer(MAX_TRANSFER + 8192);
    Random rnd = new Random(1);
    for (int nsid : new int[] {1, 2}) {
      try (NamespaceHandle h = c.open(nsid, "conformance")) {
        int bs = h.blockSize();
        long[] sizes = {bs, 4096, 8192, 12288, 17 * 4096, 512 * 1024, MAX_TRANSFER};
        long lba = 0;
        for (long size : sizes) {
          for (long offset : new long[] {0, 512, 4096 - 8}) {
            if (offset % 4 != 0) {
              continue;
            }
            int blocks = (int) (size / bs);
            byte[] data = new byte[(int) size];
            rnd.nextBytes(data);
            buf.copyFrom(ByteBuffer.wrap(data), offset);
            try {
              h.write(lba, blocks, buf, offset, false);
            } catch (NvmeException e) {
              throw new AssertionError("nsid=" + nsid + " lba=" + lba + " size=" + size
                  + " offset=" + offset + ": " + e.getMessage(), e);
            }
            back.zero(0, back.size());
            h.read(lba, blocks, back, offset);
            byte[] got = new byte[(int) size];
            back.copyTo(offset, ByteBuffer.wrap(got));
            assertArrayEquals(data, got, "nsid=" + nsid + " size=" + size + " offset=" + offset);
            lba += blocks;
          }
        }
        // The last blocks of the namespace, and one past the end.
        long last = h.blockCount() - 2;
        byte[] tail = new byte[2 * bs];
        rnd.nextBytes(tail);
        buf.copyFrom(ByteBuffer.wrap(tail), 0);
        h.write(last, 2, buf, 0, false);
        back.zero(0, 2L * bs);
        h.read(last, 2, back, 0);
        byte[] got = new byte[2 * bs];
        back.copyTo(0, ByteBuffer.wrap(got));
        assertArrayEquals(tail, got);
        assertThrows(InvalidRequestException.class, () -> h.read(last, 3, back, 0));
        assertThrows(InvalidRequestException.class,
            () -> h.read(0, (int) (MAX_TRANSFER / bs) + 1, back, 0));
      }
    }
  }

  @Test
  void queueDepth32OnTwoQueuesCompletesEveryCommand() throws Exception {
    NvmeController c = start();
    try (NamespaceHandle h = c.open(1, "conformance")) {
      int depth = 32;
      int rounds = 8;
      MemoryBlock bufs = c.allocateBuffer((long) depth * 4096);
      Random rnd = new Random(2);
      List<Long> lbas = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(depth);
        long base = r * (long) depth * 8;
        for (int i = 0; i < depth; i++) {
          long lba = base + i * 8L;
          for (int w = 0; w < 4096; w += 8) {
            bufs.putLong((long) i * 4096 + w, lba * 1_000_003L + w + rnd.nextInt(1));
          }
          lbas.add(lba);
          h.submitWrite(i % 2, lba, 8, bufs, (long) i * 4096, false, (ctx, e) -> {
            if (e != null) {
              errors.add(e.getMessage());
            }
            done.countDown();
          }, i);
        }
        assertTrue(done.await(WAIT.toSeconds(), TimeUnit.SECONDS), "writes completed");
        assertTrue(errors.isEmpty(), errors.toString());
      }
      // Read everything back at depth 32 over both queues.
      for (int r = 0; r < rounds; r++) {
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(depth);
        bufs.zero(0, bufs.size());
        long base = r * (long) depth * 8;
        for (int i = 0; i < depth; i++) {
          h.submitRead(i % 2, base + i * 8L, 8, bufs, (long) i * 4096, (ctx, e) -> {
            if (e != null) {
              errors.add(e.getMessage());
            }
            done.countDown();
          }, i);
        }
        assertTrue(done.await(WAIT.toSeconds(), TimeUnit.SECONDS), "reads completed");
        assertTrue(errors.isEmpty(), errors.toString());
        for (int i = 0; i < depth; i++) {
          long lba = base + i * 8L;
          for (int w = 0; w < 4096; w += 8) {
            assertEquals(lba * 1_000_003L + w, bufs.getLong((long) i * 4096 + w),
                "lba " + lba + " word " + w);
          }
        }
      }
      List<IoQueueInfo> qs = c.status().ioQueues();
      assertEquals(2, qs.size(), "one I/O queue per CPU slot: " + qs);
      for (IoQueueInfo q : qs) {
        assertTrue(q.completed() >= (long) rounds * depth, q.toString());
        assertEquals(0, q.inFlight(), q.toString());
      }
    }
  }

  @Test
  void forceUnitAccessWriteAndFlush() throws Exception {
    NvmeController c = start();
    try (NamespaceHandle h = c.open(1, "conformance")) {
      MemoryBlock b = c.allocateBuffer(8192);
      fill(b, 0, 8192, 7);
      h.write(100, 16, b, 0, true);
      h.flush();
      b.zero(0, 8192);
      h.read(100, 16, b, 0);
      check(b, 0, 8192, 7);
    }
  }

  @Test
  void deallocatedBlocksReadAsZeroes() throws Exception {
    NvmeController c = start();
    try (NamespaceHandle h = c.open(1, "conformance")) {
      IdentifyNamespace id = new IdentifyNamespace().wrap(c.identifyNamespace(1), 0);
      MemoryBlock b = c.allocateBuffer(64 * 1024);
      fill(b, 0, 64 * 1024, 9);
      h.write(2048, 128, b, 0, false);
      h.deallocate(2048 + 32, 64);
      h.read(2048, 128, b, 0);
      check(b, 0, 16 * 1024, 9);
      check(b, 48 * 1024, 16 * 1024, 9);
      if ((id.dlfeat() & 0x7) == 1) {
        for (int i = 16 * 1024; i < 48 * 1024; i += 8) {
          assertEquals(0L, b.getLong(i), "deallocated byte " + i + " (DLFEAT reads zeroes)");
        }
      }
    }
  }

  @Test
  void writeZeroesZeroesExactlyTheRange() throws Exception {
    NvmeController c = start();
    try (NamespaceHandle h = c.open(2, "conformance")) {
      MemoryBlock b = c.allocateBuffer(8 * 4096);
      fill(b, 0, 8 * 4096, 11);
      h.write(40, 8, b, 0, false);
      h.writeZeroes(42, 3);
      h.read(40, 8, b, 0);
      check(b, 0, 2 * 4096, 11);
      for (int i = 2 * 4096; i < 5 * 4096; i += 8) {
        assertEquals(0L, b.getLong(i), "zeroed byte " + i);
      }
      check(b, 5 * 4096, 3 * 4096, 11);
    }
  }

  @Test
  void severalNamespacesKeepTheirOwnData() throws Exception {
    NvmeController c = start();
    try (NamespaceHandle h1 = c.open(1, "a"); NamespaceHandle h2 = c.open(2, "b")) {
      MemoryBlock b = c.allocateBuffer(2 * 4096);
      fill(b, 0, 4096, 21);
      fill(b, 4096, 4096, 22);
      h1.write(0, 8, b, 0, false);
      h2.write(0, 1, b, 4096, false);
      b.zero(0, 8192);
      h1.read(0, 8, b, 0);
      h2.read(0, 1, b, 4096);
      check(b, 0, 4096, 21);
      check(b, 4096, 4096, 22);
      assertEquals(NamespaceException.Reason.DUPLICATE,
          assertThrows(NamespaceException.class, () -> c.open(1, "c")).reason());
      assertEquals("a", c.namespaces().get(0).owner());
      assertEquals("b", c.namespaces().get(1).owner());
    }
  }

  // ------------------------------------------------------------------ namespaces at run time

  @Test
  void namespaceAttachAndDetachArriveAsNotices() throws Exception {
    NvmeController c = start();
    assertEquals(List.of(1, 2), c.namespaces().stream().map(NamespaceInfo::nsid).toList());
    target.attachNamespace(3);
    NamespaceHandle h = awaitOpen(c, 3);
    assertEquals(NS3_BYTES / 512, h.blockCount());
    MemoryBlock b = c.allocateBuffer(4096);
    fill(b, 0, 4096, 31);
    h.write(5, 8, b, 0, false);
    assertEquals(List.of(1, 2, 3), c.namespaces().stream().filter(n -> "active".equals(
        n.state())).map(NamespaceInfo::nsid).toList());

    // The detach reaches the open handle through the notice alone: no rescan is asked for.
    target.detachNamespace(3);
    NamespaceException removed = assertThrows(NamespaceException.class,
        () -> h.awaitResize(h.blockCount(), WAIT));
    assertEquals(NamespaceException.Reason.REMOVED, removed.reason());
    assertTrue(h.removed());
    assertEquals(NamespaceException.Reason.REMOVED,
        assertThrows(NamespaceException.class, () -> h.read(5, 8, b, 0)).reason());
    h.close();

    // Attached again: a fresh namespace object, the data still there.
    target.attachNamespace(3);
    NamespaceHandle again = awaitOpen(c, 3);
    b.zero(0, 4096);
    again.read(5, 8, b, 0);
    check(b, 0, 4096, 31);
    again.close();
    assertNull(c.status().asyncEventFailure());
  }

  private NamespaceHandle awaitOpen(NvmeController c, int nsid) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        return c.open(nsid, "conformance");
      } catch (NamespaceException e) {
        if (e.reason() != NamespaceException.Reason.NOT_FOUND || System.nanoTime() > deadline) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(10);
      }
    }
  }

  // ------------------------------------------------------------------ reset, shutdown, servicing

  @Test
  void startResetsAnEnabledControllerAndDataSurvives() throws Exception {
    NvmeController c1 = start();
    MemoryBlock b;
    try (NamespaceHandle h = c1.open(1, "a")) {
      b = c1.allocateBuffer(4096);
      fill(b, 0, 4096, 41);
      h.write(77, 8, b, 0, false);
    }
    ControllerSavedState saved = c1.save();
    c1.release();
    long resets = target.resets();
    Csts csts = new Csts(target.device().mapBar(0).read32(Bar0.CSTS));
    assertTrue(csts.rdy(), "released without a reset: " + csts);

    // Keepalive off: the saved state is not used; the controller is reset and starts cold.
    NvmeController c2 = track(factory.restore(target.device(), dma(),
        options().withKeepalive(false), SavedStateCodec.decode(SavedStateCodec.encode(saved))));
    assertTrue(c2.status().lastStart().startsWith("cold (keepalive is off"),
        c2.status().lastStart());
    assertEquals(resets + 1, target.resets());
    assertTrue(target.pool().validate().pending().isEmpty(),
        "stale blocks freed: " + target.pool().validate());
    try (NamespaceHandle h = c2.open(1, "b")) {
      MemoryBlock r = c2.allocateBuffer(4096);
      h.read(77, 8, r, 0);
      check(r, 0, 4096, 41);
    }
    // start() on an enabled controller (shut down, CC.EN still 1): reset first (resetOnStart).
    c2.close();
    NvmeController c3 = start();
    assertEquals(resets + 2, target.resets());
    assertEquals(ControllerState.READY, c3.state());
    try (NamespaceHandle h = c3.open(1, "c")) {
      MemoryBlock r = c3.allocateBuffer(4096);
      h.read(77, 8, r, 0);
      check(r, 0, 4096, 41);
    }
  }

  @Test
  void closeShutsDownWithShutdownNotification() throws Exception {
    NvmeController c = start();
    try (NamespaceHandle h = c.open(1, "a")) {
      MemoryBlock b = c.allocateBuffer(4096);
      h.write(0, 8, b, 0, false);
    }
    c.close();
    assertEquals(ControllerState.SHUT_DOWN, c.state());
    Csts csts = new Csts(target.device().mapBar(0).read32(Bar0.CSTS));
    assertEquals(Csts.SHST_COMPLETE, csts.shst(), "CSTS " + csts);
    int cc = target.device().mapBar(0).read32(Bar0.CC);
    assertEquals(1, (cc >>> 14) & 3, "CC.SHN normal, CC=0x" + Integer.toHexString(cc));
  }

  @Test
  void savedControllerIsRestoredWithoutResetOnTheSameQueues() throws Exception {
    NvmeController c1 = start();
    NamespaceHandle h1 = c1.open(1, "a");
    MemoryBlock b = c1.allocateBuffer(32 * 4096);
    fill(b, 0, 32 * 4096, 51);
    CountDownLatch writes = new CountDownLatch(32);
    for (int i = 0; i < 32; i++) {
      h1.submitWrite(i % 2, 1000 + i * 8L, 8, b, i * 4096L, false, (ctx, e) -> {
        assertNull(e);
        writes.countDown();
      }, i);
    }
    // Saved while the writes may still be in flight: the new driver completes them.
    ControllerSavedState st = c1.save();
    List<Integer> qids = c1.status().ioQueues().stream().map(IoQueueInfo::qid).toList();
    int cc = target.device().mapBar(0).read32(Bar0.CC);
    long resets = target.resets();
    c1.release();
    NvmeController c2 = track(factory.restore(target.device(), dma(), options(),
        SavedStateCodec.decode(SavedStateCodec.encode(st))));
    assertEquals("restored", c2.status().lastStart());
    assertTrue(writes.await(WAIT.toSeconds(), TimeUnit.SECONDS), "in-flight writes completed");
    assertEquals(qids, c2.status().ioQueues().stream().map(IoQueueInfo::qid).toList());
    assertEquals(cc, target.device().mapBar(0).read32(Bar0.CC));
    assertEquals(resets, target.resets());
    try (NamespaceHandle h2 = c2.open(1, "b")) {
      MemoryBlock r = c2.allocateBuffer(32 * 4096);
      h2.read(1000, 256, r, 0);
      check(r, 0, 32 * 4096, 51);
    }
  }

  @Test
  void requestsOutsideTheRulesAreRefused() throws Exception {
    NvmeController c = start();
    assertEquals(NamespaceException.Reason.NOT_FOUND,
        assertThrows(NamespaceException.class, () -> c.open(99, "x")).reason());
    try (NamespaceHandle h = c.open(2, "x")) {
      MemoryBlock b = c.allocateBuffer(4096);
      assertThrows(InvalidRequestException.class, () -> h.read(h.blockCount(), 1, b, 0));
      assertThrows(InvalidRequestException.class, () -> h.read(0, 2, b, 0));
      MemoryBlock foreign = new io.jnvme.device.DirectMemory().clientFor("x").allocate(4096, "f");
      assertThrows(NvmeException.class, () -> h.read(0, 1, foreign, 0));
    }
  }

  // ------------------------------------------------------------------ capabilities

  @Test
  void reservations() throws Exception {
    NvmeController c = start();
    requireCapability(Capability.RESERVATIONS, c);
    // The driver has no reservation API yet: check the controller advertises what it offers.
    assertNotEquals(0, c.info().oncs() & IdentifyController.ONCS_RESERVATIONS, "ONCS: reservations");
    IdentifyNamespace id = new IdentifyNamespace().wrap(c.identifyNamespace(1), 0);
    assertNotEquals(0, id.rescap(), "RESCAP");
  }

  @Test
  void namespaceManagement() throws Exception {
    NvmeController c = start();
    requireCapability(Capability.NAMESPACE_MANAGEMENT, c);
    assertNotEquals(0, c.info().oacs() & (1 << 3), "OACS bit 3: namespace management");
  }

  private void requireCapability(Capability cap, NvmeController c) {
    String reason = target.lacks().get(cap);
    if (reason != null) {
      target.checkLack(cap, c);
      Assumptions.abort(reason);
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Fills with a pattern that depends on the seed and the offset in the block. */
  static void fill(MemoryBlock b, long offset, int length, int seed) {
    for (int i = 0; i < length; i += 8) {
      b.putLong(offset + i, seed * 0x9E37_79B9_7F4A_7C15L + offset + i);
    }
  }

  /** Checks the pattern {@link #fill} writes. */
  static void check(MemoryBlock b, long offset, int length, int seed) {
    for (int i = 0; i < length; i += 8) {
      long want = seed * 0x9E37_79B9_7F4A_7C15L + offset + i;
      long got = b.getLong(offset + i);
      if (got != want) {
        fail("byte " + (offset + i) + ": 0x" + Long.toHexString(got) + ", expected 0x"
            + Long.toHexString(want));
      }
    }
  }

  static void awaitCondition(String what, java.util.function.BooleanSupplier s) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!s.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
  }

  static <T> T nonNull(AtomicReference<T> r) {
    assertNotNull(r.get());
    return r.get();
  }
}
