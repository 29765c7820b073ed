package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.DirectMemory;
import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.CommandTimeoutException;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.ControllerStartException;
import io.jnvme.driver.ControllerState;
import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.NvmeStatusException;
import io.jnvme.driver.ResourceException;
import io.jnvme.driver.SavedStateException;
import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.driver.savestate.SavedStateCodec;
import io.jnvme.spec.Csts;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Status;
import io.jnvme.transport.emulated.CommandMatch;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import io.jnvme.transport.emulated.FaultAction;
import io.jnvme.transport.emulated.FaultRule;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fault matrix (docs/FAULTS.md): one test per fault the driver must survive. Each asserts the
 * typed outcome and, where data was written, reads every acknowledged write back afterwards
 * ({@link Ledger}) — on the same controller when it still serves, on a fresh one when it failed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultMatrixTest {
  private static final int BLOCK = 512;
  private static final Duration SHORT = Duration.ofMillis(300);
  private final Ledger ledger = new Ledger(BLOCK);
  private Fixture f;

  @AfterEach
  void tearDown() {
    Controller.saveStageHook = stage -> { };
    if (f != null) {
      f.close();
    }
  }

  private Fixture start(UnaryOperator<ControllerOptions> o) throws ControllerStartException {
    f = Fixture.started(Fixture.defaultEmulator(), o);
    return f;
  }

  /** Acknowledged writes on LBAs 0, 8, ..., before the fault. */
  private void writeSome(NamespaceHandle h, MemoryBlock buf, int n) {
    for (int i = 0; i < n; i++) {
      assertNull(ledger.write(h, buf, i * 8L, 8, i));
    }
  }

  /** Async writes at LBAs {@code base + 8i}, each from its own 4 KiB of {@code buf}. */
  private CountDownLatch submitWrites(NamespaceHandle h, MemoryBlock buf, long base, int n,
      ConcurrentLinkedQueue<NvmeException> errors) {
    return submitWrites(h, buf, base, n, errors, -1);
  }

  /** As above, all from CPU slot {@code cpu}, or spread over slots 0-3 if it is -1. */
  private CountDownLatch submitWrites(NamespaceHandle h, MemoryBlock buf, long base, int n,
      ConcurrentLinkedQueue<NvmeException> errors, int cpu) {
    CountDownLatch done = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      long lba = base + i * 8L;
      byte[] d = ledger.fill(buf, i * 4096L, 8, 1000 + lba);
      ledger.unknown(lba, 8);
      h.submitWrite(cpu < 0 ? i % 4 : cpu, lba, 8, buf, i * 4096L, false, (ctx, e) -> {
        if (e == null) {
          ledger.acknowledged(lba, d);
        } else {
          errors.add(e);
        }
        done.countDown();
      }, i);
    }
    return done;
  }

  /** Reads every acknowledged write back through a controller started afresh on the device. */
  private int verifyOnFreshController() throws Exception {
    f.ctrl.close();
    f.emu.faults().clear();
    try {
      f.ctrl = Controller.start(f.emu.device(), new DirectMemory().clientFor(f.emu.device().id()),
          Fixture.options());
    } catch (ControllerStartException e) {
      // A device that comes back still enabled may fetch from the rings the failed driver gave
      // up (the emulated controller then sets CFS, once); the next start's reset clears it.
      assertEquals(ControllerStartException.Reason.FATAL_STATUS, e.reason(), e.getMessage());
      f.ctrl = Controller.start(f.emu.device(), new DirectMemory().clientFor(f.emu.device().id()),
          Fixture.options());
    }
    return verifyOn(f.ctrl);
  }

  private int verifyOn(Controller c) throws Exception {
    try (NamespaceHandle h = c.open(1, "verify")) {
      return verifyWith(c, h);
    }
  }

  /** Reads every acknowledged write back through the handle the test still holds. */
  private int verifyWith(Controller c, NamespaceHandle h) throws Exception {
    int n = ledger.verify(h, c.allocateBuffer(4096));
    assertEquals(ledger.size(), n);
    return n;
  }

  private static ControllerFailedException.Reason reasonOf(NvmeException e) {
    return assertInstanceOf(ControllerFailedException.class, e).reason();
  }

  // ---------------------------------------------------------------- controller: ready, shutdown

  @Test
  void readyStuckAtOneWhileResettingFailsStartAtCapTimeout() {
    try (EmulatedController emu = Fixture.defaultEmulator().capTimeout(2).build()) {
      var device = FaultDevices.cstsOverride(emu.device(), v -> v | 1);
      long t0 = System.nanoTime();
      ControllerStartException e = assertThrows(ControllerStartException.class,
          () -> Controller.start(device, new DirectMemory().clientFor(device.id()),
              Fixture.options()));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertEquals(ControllerStartException.Reason.READY_TIMEOUT, e.reason());
      assertTrue(ms >= 1000 && ms < 6000, "gave up after " + ms + " ms");
    }
  }

  @Test
  void fatalStatusWhileEnablingFailsStart() {
    try (Fixture u = Fixture.unstarted(Fixture.defaultEmulator())) {
      u.emu.faults().setFatalStatus(true);
      ControllerStartException e = assertThrows(ControllerStartException.class,
          () -> Controller.start(u.emu.device(), u.dma, Fixture.options()));
      assertEquals(ControllerStartException.Reason.FATAL_STATUS, e.reason());
    }
  }

  @Test
  void shutdownThatNeverCompletesEndsAtItsDeadline() throws Exception {
    try (EmulatedController emu = Fixture.defaultEmulator().build()) {
      // SHST never reads "complete".
      var device = FaultDevices.cstsOverride(emu.device(), v -> v & ~(3 << 2));
      Controller c = Controller.start(device, new DirectMemory().clientFor(device.id()),
          Fixture.options());
      long t0 = System.nanoTime();
      c.close();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertEquals(ControllerState.SHUT_DOWN, c.state());
      assertTrue(ms >= 4000 && ms < 15000, "close took " + ms + " ms");
    }
  }

  // ---------------------------------------------------------------- controller: fatal, gone

  @Test
  void fatalStatusInTheMiddleOfIoFailsOutstandingTypedAndLosesNoAcknowledgedWrite()
      throws Exception {
    start(UnaryOperator.identity());
    NamespaceHandle h = f.ctrl.open(1, "t");
    MemoryBlock buf = f.ctrl.allocateBuffer(64 * 4096);
    writeSome(h, buf, 16);
    f.emu.faults().add(CommandMatch.io(NvmOpcode.WRITE).skip(8),
        FaultAction.delay(Duration.ofSeconds(2)));
    ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch done = submitWrites(h, buf, 10_000, 32, errors);
    f.emu.faults().setFatalStatus(true);
    assertTrue(done.await(20, TimeUnit.SECONDS), "outstanding commands did not end");
    assertFalse(errors.isEmpty(), "the held writes failed");
    for (NvmeException e : errors) {
      assertEquals(ControllerFailedException.Reason.FATAL_STATUS, reasonOf(e));
    }
    assertEquals(ControllerState.FAILED, f.ctrl.state());
    assertEquals(ControllerFailedException.Reason.FATAL_STATUS,
        reasonOf(ledger.write(h, buf, 0, 8, 99)));
    assertTrue(verifyOnFreshController() >= 16 * 8);
  }

  @Test
  void deviceThatDisappearsDuringIoFailsOutstandingAsGoneAndCloseDoesNotHang() throws Exception {
    start(UnaryOperator.identity());
    NamespaceHandle h = f.ctrl.open(1, "t");
    MemoryBlock buf = f.ctrl.allocateBuffer(64 * 4096);
    writeSome(h, buf, 8);
    f.emu.faults().add(CommandMatch.io(NvmOpcode.WRITE), FaultAction.drop());
    ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch done = submitWrites(h, buf, 20_000, 8, errors);
    f.emu.faults().registersAllOnes(true);
    assertTrue(done.await(20, TimeUnit.SECONDS));
    assertEquals(8, errors.size());
    errors.forEach(e -> assertEquals(ControllerFailedException.Reason.DEVICE_GONE, reasonOf(e)));
    long t0 = System.nanoTime();
    f.ctrl.close();
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "close with the device gone");
    // The device comes back (hot-plug): a new driver resets it and finds every acknowledged write.
    assertTrue(verifyOnFreshController() >= 8 * 8);
  }

  // ---------------------------------------------------------------- completions

  @Test
  void completionWithAnUnknownCidIsADeviceFault() throws Exception {
    start(UnaryOperator.identity());
    NamespaceHandle h = f.ctrl.open(1, "t");
    MemoryBlock buf = f.ctrl.allocateBuffer(4096);
    writeSome(h, buf, 4);
    f.emu.faults().add(CommandMatch.io(NvmOpcode.READ), FaultAction.completionCid(0x7ABC));
    assertEquals(ControllerFailedException.Reason.DEVICE_FAULT,
        reasonOf(assertThrows(NvmeException.class, () -> h.read(0, 8, buf, 0))));
    assertEquals(ControllerState.FAILED, f.ctrl.state());
    verifyOnFreshController();
  }

  @Test
  void completionWithAStaleGenerationIsADeviceFault() throws Exception {
    start(UnaryOperator.identity());
    NamespaceHandle h = f.ctrl.open(1, "t");
    MemoryBlock buf = f.ctrl.allocateBuffer(4096);
    writeSome(h, buf, 2);
    h.read(0, 8, buf, 0);
    int staleCid = f.emu.commandLog().last(e -> e.is(NvmOpcode.READ)).orElseThrow().cid();
    // The next command on this thread's queue takes the same slot, one generation on; its
    // completion carries the old generation's CID.
    f.emu.faults().add(CommandMatch.io(NvmOpcode.READ), FaultAction.completionCid(staleCid));
    assertEquals(ControllerFailedException.Reason.DEVICE_FAULT,
        reasonOf(assertThrows(NvmeException.class, () -> h.read(0, 8, buf, 0))));
    int next = f.emu.commandLog().last(e -> e.is(NvmOpcode.READ)).orElseThrow().cid();
    assertEquals(staleCid & 0x1F, next & 0x1F, "same slot");
    assertFalse(staleCid == next, "another generation");
    verifyOnFreshController();
  }

  @Test
  void timeoutIsReportedAndTheSlotKeptUntilTheCompletionArrives() throws Exception {
    start(o -> o.withCommandTimeout(SHORT));
    NamespaceHandle h = f.ctrl.open(1, "t");
    MemoryBlock buf = f.ctrl.allocateBuffer(4096);
    writeSome(h, buf, 2);
    f.emu.faults().add(CommandMatch.io(NvmOpcode.WRITE).count(1),
        FaultAction.delay(Duration.ofMillis(900)));
    NvmeException e = ledger.write(h, buf, 100, 8, 7);
    assertInstanceOf(CommandTimeoutException.class, e);
    assertEquals(ControllerState.READY, f.ctrl.state());
    assertEquals(1, f.ctrl.status().ioQueues().get(0).inFlight(), "slot kept");
    // The device answers late: the slot is freed, nothing else is disturbed.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (f.ctrl.status().ioQueues().get(0).inFlight() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(0, f.ctrl.status().ioQueues().get(0).inFlight(), "late completion freed it");
    writeSome(h, buf, 4);
    verifyWith(f.ctrl, h);
  }

  @Test
  void droppedCompletionOfAnAsyncCommandTimesOut() throws Exception {
    start(o -> o.withCommandTimeout(SHORT));
    NamespaceHandle h = f.ctrl.open(1, "t");
    MemoryBlock buf = f.ctrl.allocateBuffer(8 * 4096);
    writeSome(h, buf, 2);
    f.emu.faults().add(CommandMatch.io(NvmOpcode.WRITE).count(1), FaultAction.drop());
    ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch done = submitWrites(h, buf, 500, 1, errors);
    assertTrue(done.await(5, TimeUnit.SECONDS), "the timeout scan reported it");
    assertInstanceOf(CommandTimeoutException.class, errors.peek());
    assertEquals(ControllerState.READY, f.ctrl.state());
    writeSome(h, buf, 4);
    verifyWith(f.ctrl, h);
  }

  @Test
  void delayedCompletionsArriveOutOfOrderAndAllComplete() throws Exception {
    start(UnaryOperator.identity());
    NamespaceHandle h = f.ctrl.open(1, "t");
    MemoryBlock buf = f.ctrl.allocateBuffer(16 * 4096);
    f.emu.faults().add(CommandMatch.io(NvmOpcode.WRITE).count(4),
        FaultAction.delay(Duration.ofMillis(300)));
    ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch done = submitWrites(h, buf, 0, 16, errors);
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertTrue(errors.isEmpty(), errors.toString());
    assertEquals(16 * 8, verifyWith(f.ctrl, h));
  }

  @Test
  void writeThatHappenedButReportsAnErrorIsNotAcknowledged() throws Exception {
    start(UnaryOperator.identity());
    NamespaceHandle h = f.ctrl.open(1, "t");
    MemoryBlock buf = f.ctrl.allocateBuffer(4096);
    writeSome(h, buf, 4);
    Status s = Status.of(0, 0x06).withDnr();
    f.emu.faults().add(CommandMatch.io(NvmOpcode.WRITE).count(1), FaultAction.completionStatus(s));
    NvmeStatusException e = assertInstanceOf(NvmeStatusException.class,
        ledger.write(h, buf, 0, 8, 55));
    assertEquals(s, e.status().orElseThrow());
    assertEquals(ControllerState.READY, f.ctrl.state());
    verifyWith(f.ctrl, h);
  }

  // ---------------------------------------------------------------- DMA allocation and mapping

  private ControllerStartException startWithFailingDma(String tagPrefix) {
    try (Fixture u = Fixture.unstarted(Fixture.defaultEmulator())) {
      FaultDevices.FailingDma dma = new FaultDevices.FailingDma(u.dma);
      dma.failTags = t -> t.startsWith(tagPrefix);
      return assertThrows(ControllerStartException.class,
          () -> Controller.start(u.emu.device(), dma, Fixture.options()));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"adminq-sq", "adminq-cq", "adminq-prp", "admin-data"})
  void dmaAllocationFailingForTheAdminQueueFailsStart(String tag) {
    ControllerStartException e = startWithFailingDma(tag);
    assertEquals(ControllerStartException.Reason.RESOURCES, e.reason());
    assertTrue(e.getMessage().contains("admin queue"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ioq1-sq", "ioq1-cq", "ioq1-prp"})
  void dmaAllocationFailingForTheFirstIoQueueFailsStart(String tag) {
    ControllerStartException e = startWithFailingDma(tag);
    assertEquals(ControllerStartException.Reason.IO_QUEUE, e.reason());
    assertTrue(e.getMessage().contains("cannot allocate I/O queue memory"), e.getMessage());
  }

  @Test
  void dmaAllocationFailingForALaterIoQueueFallsBack() throws Exception {
    try (Fixture u = Fixture.unstarted(Fixture.defaultEmulator())) {
      FaultDevices.FailingDma dma = new FaultDevices.FailingDma(u.dma);
      try (Controller c = Controller.start(u.emu.device(), dma, Fixture.options());
          NamespaceHandle h = c.open(1, "t")) {
        MemoryBlock buf = c.allocateBuffer(16 * 4096);
        dma.failTags = t -> t.startsWith("ioq");
        ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch done = submitWrites(h, buf, 0, 8, errors);
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(3, c.status().fallbackCount(), "CPU slots 1..3 share queue 1");
        assertEquals(1, c.status().ioQueues().size());
        assertEquals(8 * 8, verifyWith(c, h));
      }
    }
  }

  @Test
  void dmaAllocationFailingForABufferIsAResourceErrorAndIoGoesOn() throws Exception {
    try (Fixture u = Fixture.unstarted(Fixture.defaultEmulator())) {
      FaultDevices.FailingDma dma = new FaultDevices.FailingDma(u.dma);
      try (Controller c = Controller.start(u.emu.device(), dma, Fixture.options());
          NamespaceHandle h = c.open(1, "t")) {
        MemoryBlock buf = c.allocateBuffer(4096);
        writeSome(h, buf, 4);
        dma.failTags = t -> t.equals("buffer");
        assertThrows(ResourceException.class, () -> c.allocateBuffer(4096));
        writeSome(h, buf, 8);
        dma.failTags = t -> false;
        assertEquals(8 * 8, verifyWith(c, h));
      }
    }
  }

  @Test
  void dmaMappingFailingAtStartForABufferAndForALaterQueue() throws Exception {
    try (Fixture u = Fixture.unstarted(Fixture.defaultEmulator())) {
      u.emu.faults().failDmaMapping(true);
      assertEquals(ControllerStartException.Reason.RESOURCES,
          assertThrows(ControllerStartException.class,
              () -> Controller.start(u.emu.device(), u.dma, Fixture.options())).reason());
    }
    start(UnaryOperator.identity());
    NamespaceHandle h = f.ctrl.open(1, "t");
    MemoryBlock buf = f.ctrl.allocateBuffer(16 * 4096);
    f.emu.faults().failDmaMapping(true);
    assertThrows(ResourceException.class, () -> f.ctrl.allocateBuffer(4096));
    ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch done = submitWrites(h, buf, 0, 8, errors);
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertTrue(errors.isEmpty(), errors.toString());
    assertEquals(3, f.ctrl.status().fallbackCount());
    f.emu.faults().failDmaMapping(false);
    assertEquals(8 * 8, verifyWith(f.ctrl, h));
  }

  @Test
  void allocatorWithdrawnMidIoKeepsMemoryInUseAndRefusesNewAllocations() throws Exception {
    start(UnaryOperator.identity());
    NamespaceHandle h = f.ctrl.open(1, "t");
    MemoryBlock buf = f.ctrl.allocateBuffer(16 * 4096);
    writeSome(h, buf, 4);
    f.emu.faults().add(CommandMatch.io(NvmOpcode.WRITE), FaultAction.delay(Duration.ofMillis(300)));
    ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
    // CPU slot 0 only: the in-flight writes use queue 1, which exists.
    CountDownLatch done = submitWrites(h, buf, 1000, 8, errors, 0);
    f.ctrl.allocator(null);
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertTrue(errors.isEmpty(), errors.toString());
    assertThrows(ResourceException.class, () -> f.ctrl.allocateBuffer(4096));
    f.emu.faults().clear();
    // A CPU slot without a queue falls back to queue 1 instead of failing.
    CountDownLatch one = new CountDownLatch(1);
    h.submitRead(2, 1000, 8, buf, 0, (ctx, e) -> {
      if (e != null) {
        errors.add(e);
      }
      one.countDown();
    }, 0);
    assertTrue(one.await(10, TimeUnit.SECONDS));
    assertTrue(errors.isEmpty(), errors.toString());
    assertEquals(1, f.ctrl.status().fallbackCount());
    f.ctrl.allocator(f.dma);
    writeSome(h, buf, 4);
    assertEquals(12 * 8, verifyWith(f.ctrl, h));
  }

  // ---------------------------------------------------------------- namespaces

  @Test
  void namespaceRemovedMidIoFailsTypedAndKeepsAcknowledgedData() throws Exception {
    start(UnaryOperator.identity());
    NamespaceHandle h = f.ctrl.open(1, "t");
    MemoryBlock buf = f.ctrl.allocateBuffer(16 * 4096);
    writeSome(h, buf, 4);
    f.emu.faults().add(CommandMatch.io(NvmOpcode.WRITE), FaultAction.delay(Duration.ofMillis(300)));
    ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch done = submitWrites(h, buf, 4000, 8, errors);
    EmulatedNamespace ns = f.emu.removeNamespace(1);
    assertTrue(done.await(10, TimeUnit.SECONDS));
    // Each write in flight either completed before the removal or failed with the device's
    // status; none is left hanging.
    errors.forEach(e -> assertInstanceOf(NvmeStatusException.class, e));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!h.removed() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(h.removed(), "the removal was seen through the async event");
    assertEquals(NamespaceException.Reason.REMOVED, assertInstanceOf(NamespaceException.class,
        ledger.write(h, buf, 0, 8, 5)).reason());
    f.emu.faults().clear();
    f.emu.addNamespace(1, ns);
    assertThrows(NamespaceException.class, () -> h.read(0, 1, buf, 0), "stays removed");
    h.close();
    verifyOn(f.ctrl);
  }

  // ---------------------------------------------------------------- servicing

  private final PersistentTestMemory pool = new PersistentTestMemory();

  private Controller startKeepalive(EmulatedController emu) throws ControllerStartException {
    return Controller.start(emu.device(), pool.clientFor(emu.device().id()),
        Fixture.options().withKeepalive(true));
  }

  private Controller restore(EmulatedController emu, ControllerSavedState st)
      throws ControllerStartException {
    return Controller.restore(emu.device(), pool.clientFor(emu.device().id()),
        Fixture.options().withKeepalive(true), st);
  }

  @ParameterizedTest
  @ValueSource(strings = {"quiesce", "snapshot-queues", "snapshot-namespaces", "encode"})
  void saveFailingAtEachStageLeavesIoRunningAndLosesNothing(String stage) throws Exception {
    try (EmulatedController emu = Fixture.defaultEmulator().build()) {
      Controller c = startKeepalive(emu);
      try {
        NamespaceHandle h = c.open(1, "t");
        MemoryBlock buf = c.allocateBuffer(16 * 4096);
        writeSome(h, buf, 4);
        emu.faults().add(CommandMatch.io(NvmOpcode.WRITE),
            FaultAction.delay(Duration.ofMillis(200)));
        ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch done = submitWrites(h, buf, 3000, 8, errors);
        Controller.saveStageHook = s -> {
          if (s.equals(stage)) {
            throw new IllegalStateException("injected at " + s);
          }
        };
        SavedStateException e = assertThrows(SavedStateException.class, c::save);
        assertEquals(SavedStateException.Reason.SAVE_FAILED, e.reason());
        assertEquals(ControllerState.READY, c.state());
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertTrue(errors.isEmpty(), errors.toString());
        writeSome(h, buf, 8);
        assertEquals(16 * 8, verifyWith(c, h));
      } finally {
        c.close();
      }
    }
  }

  @Test
  void restoreFromAStaleSavedStateStartsColdAndLosesNothing() throws Exception {
    try (EmulatedController emu = Fixture.defaultEmulator().build()) {
      Controller c1 = startKeepalive(emu);
      NamespaceHandle h = c1.open(1, "t");
      MemoryBlock buf = c1.allocateBuffer(4096);
      writeSome(h, buf, 4);
      // A first save, abandoned; the controller goes on and writes more.
      byte[] stale = SavedStateCodec.encode(c1.save());
      c1.resumeAfterSave();
      for (int i = 0; i < 40; i++) {
        assertNull(ledger.write(h, buf, 2000 + i * 8L, 8, 77 + i));
      }
      c1.save();
      c1.release();
      // The old state comes back (an old file): its ring positions are behind the device's.
      Controller c2 = restore(emu, SavedStateCodec.decode(stale));
      try {
        assertTrue(c2.status().lastStart().contains("stale"), c2.status().lastStart());
        assertEquals(4 * 8 + 40 * 8, verifyOn(c2));
      } finally {
        c2.close();
      }
    }
  }

  @Test
  void restoreFromCorruptBytesIsATypedErrorAndAColdStartServes() throws Exception {
    try (EmulatedController emu = Fixture.defaultEmulator().build()) {
      Controller c1 = startKeepalive(emu);
      NamespaceHandle h = c1.open(1, "t");
      writeSome(h, c1.allocateBuffer(4096), 4);
      byte[] bytes = SavedStateCodec.encode(c1.save());
      c1.release();
      bytes[bytes.length / 2] ^= 0x40;
      assertEquals(SavedStateException.Reason.CORRUPT,
          assertThrows(SavedStateException.class, () -> SavedStateCodec.decode(bytes)).reason());
      // What the manager then does: a cold start (reset), which frees the stale blocks.
      Controller c2 = startKeepalive(emu);
      try {
        assertEquals(4 * 8, verifyOn(c2));
      } finally {
        c2.close();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpuCount", "vector", "pendingCid", "entries", "cpuQueues",
      "namespaceIdentify"})
  void restoreFromAnInconsistentSavedStateStartsColdAndLosesNothing(String field)
      throws Exception {
    try (EmulatedController emu = Fixture.defaultEmulator().build()) {
      Controller c1 = startKeepalive(emu);
      NamespaceHandle h = c1.open(1, "t");
      writeSome(h, c1.allocateBuffer(4096), 4);
      ControllerSavedState s = c1.save();
      c1.release();
      ControllerSavedState bad = SavedStateMutations.mutate(s, field);
      // It survives the codec: the checksum is right, only the content is wrong.
      bad = SavedStateCodec.decode(SavedStateCodec.encode(bad));
      Controller c2 = restore(emu, bad);
      try {
        assertEquals(ControllerState.READY, c2.state());
        assertEquals(4 * 8, verifyOn(c2));
      } finally {
        c2.close();
      }
    }
  }

  @Test
  void deviceThatDisappearsDuringServicingFailsTheRestoreTyped() throws Exception {
    try (EmulatedController emu = Fixture.defaultEmulator().build()) {
      Controller c1 = startKeepalive(emu);
      NamespaceHandle h = c1.open(1, "t");
      MemoryBlock buf = c1.allocateBuffer(16 * 4096);
      writeSome(h, buf, 4);
      emu.faults().add(CommandMatch.io(NvmOpcode.WRITE), FaultAction.drop());
      ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
      CountDownLatch done = submitWrites(h, buf, 5000, 4, errors);
      byte[] bytes = SavedStateCodec.encode(c1.save());
      c1.release();
      emu.faults().registersAllOnes(true);
      ControllerStartException e = assertThrows(ControllerStartException.class,
          () -> restore(emu, SavedStateCodec.decode(bytes)));
      assertEquals(ControllerStartException.Reason.DEVICE_GONE, e.reason());
      // Callers of commands in flight across the servicing are told, not left waiting.
      assertTrue(done.await(5, TimeUnit.SECONDS));
      assertEquals(4, errors.size());
      errors.forEach(x -> assertInstanceOf(ControllerFailedException.class, x));
      emu.faults().clear();
      Controller c2 = startKeepalive(emu);
      try {
        assertEquals(4 * 8, verifyOn(c2));
      } finally {
        c2.close();
      }
    }
  }
}
