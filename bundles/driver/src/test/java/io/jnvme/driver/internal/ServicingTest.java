package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.DirectMemory;
import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.ControllerStartException;
import io.jnvme.driver.ControllerState;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.SavedStateException;
import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.driver.savestate.SavedStateCodec;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.Bar0;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.transport.emulated.CommandMatch;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.FaultAction;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keepalive servicing on the emulated controller, asserting on its command log. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServicingTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final EmulatedController emu = Fixture.defaultEmulator().build();
  private final PersistentTestMemory pool = new PersistentTestMemory();
  private final ControllerOptions options = Fixture.options().withKeepalive(true);
  private Controller current;

  @AfterEach
  void tearDown() {
    Controller.saveStageHook = stage -> { };
    if (current != null) {
      current.close();
    }
    emu.close();
  }

  private Controller start() throws ControllerStartException {
    current = Controller.start(emu.device(), pool.clientFor(emu.device().id()), options);
    return current;
  }

  /** Save, encode, let go, decode, restore: what a servicing does. */
  private Controller service(Controller old, ControllerOptions opts) throws NvmeException {
    byte[] bytes = SavedStateCodec.encode(old.save());
    old.release();
    current = Controller.restore(emu.device(), pool.clientFor(emu.device().id()), opts,
        SavedStateCodec.decode(bytes));
    return current;
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] bytes(MemoryBlock m, long offset, int n) {
    ByteBuffer out = ByteBuffer.allocate(n);
    m.copyTo(offset, out);
    return out.array();
  }

  private long countSince(long seq, AdminOpcode op) {
    return emu.commandLog().count(e -> e.sequence() > seq && e.is(op));
  }

  private long lastSequence() {
    return emu.commandLog().entries().stream().mapToLong(e -> e.sequence()).max().orElse(0);
  }

  @Test
  void inFlightIoOnFourQueuesCompletesAcrossServicingWithoutResetIdentifyOrQueueCreation()
      throws Exception {
    Controller c1 = start();
    NamespaceHandle h = c1.open(1, "disk");
    int n = 32;
    MemoryBlock src = c1.allocateBuffer(n * 4096L);
    byte[] data = random(n * 4096, 1);
    src.copyFrom(ByteBuffer.wrap(data), 0);
    MemoryBlock readBack = c1.allocateBuffer(16 * 4096L);
    byte[] old = random(16 * 4096, 2);
    MemoryBlock seed = c1.allocateBuffer(16 * 4096L);
    seed.copyFrom(ByteBuffer.wrap(old), 0);
    h.write(10_000, 16 * 8, seed, 0, false);

    emu.faults().add(CommandMatch.io(NvmOpcode.WRITE), FaultAction.delay(Duration.ofMillis(400)));
    emu.faults().add(CommandMatch.io(NvmOpcode.READ), FaultAction.delay(Duration.ofMillis(400)));
    ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(n + 16);
    for (int i = 0; i < n; i++) {
      h.submitWrite(i % 4, i * 8L, 8, src, i * 4096L, false, (ctx, e) -> {
        if (e != null) {
          errors.add(e);
        }
        done.countDown();
      }, i);
    }
    for (int i = 0; i < 16; i++) {
      h.submitRead(i % 4, 10_000 + i * 8L, 8, readBack, i * 4096L, (ctx, e) -> {
        if (e != null) {
          errors.add(e);
        }
        done.countDown();
      }, i);
    }
    assertEquals(4, c1.status().ioQueues().size());
    long resets = emu.resetCount();
    long enables = emu.enableCount();

    long mark = lastSequence();
    Controller c2 = service(c1, options);

    assertTrue(done.await(10, TimeUnit.SECONDS), "every in-flight command completed");
    assertTrue(errors.isEmpty(), errors.toString());
    assertEquals("restored", c2.status().lastStart());
    assertEquals(4, c2.status().ioQueues().size());
    assertArrayEquals(old, bytes(readBack, 0, 16 * 4096), "reads in flight returned the data");
    try (NamespaceHandle h2 = c2.open(1, "disk")) {
      MemoryBlock check = c2.allocateBuffer(n * 4096L);
      h2.read(0, n * 8, check, 0);
      assertArrayEquals(data, bytes(check, 0, n * 4096), "writes in flight reached the media");
    }
    assertEquals(resets, emu.resetCount(), "no reset");
    assertEquals(enables, emu.enableCount(), "no re-enable");
    assertEquals(0, countSince(mark, AdminOpcode.IDENTIFY), "no Identify after restore");
    assertEquals(0, countSince(mark, AdminOpcode.CREATE_IO_CQ), "no Create I/O CQ");
    assertEquals(0, countSince(mark, AdminOpcode.CREATE_IO_SQ), "no Create I/O SQ");
    assertEquals(0, c2.status().draining());
    assertThrows(ControllerFailedException.class, () -> h.read(0, 1, src, 0),
        "the released driver serves no more");
  }

  @Test
  void namespaceChangedDuringTheBlackoutIsHandledAfterRestoreWithOneAerOutstanding()
      throws Exception {
    Controller c1 = start();
    assertTrue(emu.commandLog().await(e -> e.is(AdminOpcode.ASYNC_EVENT_REQUEST), WAIT)
        .isPresent());
    assertEquals(1, emu.outstandingAsyncEventRequests());
    NamespaceHandle h = c1.open(1, "disk");
    long before = h.blockCount();
    byte[] bytes = SavedStateCodec.encode(c1.save());
    c1.release();
    emu.resizeNamespace(1, 32L << 20);
    assertEquals(0, emu.outstandingAsyncEventRequests(), "the AER completed in the blackout");
    long mark = lastSequence();
    Controller c2 = Controller.restore(emu.device(), pool.clientFor(emu.device().id()), options,
        SavedStateCodec.decode(bytes));
    current = c2;
    assertTrue(emu.commandLog().await(e -> e.sequence() > mark
        && e.is(AdminOpcode.GET_LOG_PAGE), WAIT).isPresent(), "the notice was handled");
    try (NamespaceHandle h2 = c2.open(1, "disk")) {
      long size = h2.blockCount() == before ? h2.awaitResize(before, WAIT) : h2.blockCount();
      assertEquals((32L << 20) / 512, size);
    }
    assertTrue(emu.commandLog().await(e -> e.sequence() > mark
        && e.is(AdminOpcode.ASYNC_EVENT_REQUEST), WAIT).isPresent());
    assertEquals(1, countSince(mark, AdminOpcode.ASYNC_EVENT_REQUEST), "re-armed once");
    assertEquals(1, emu.outstandingAsyncEventRequests());
    assertEquals(1, c2.asyncEventRequestsOutstanding());
  }

  @Test
  void outstandingAerIsAwaitedNotSentAgain() throws Exception {
    Controller c1 = start();
    assertTrue(emu.commandLog().await(e -> e.is(AdminOpcode.ASYNC_EVENT_REQUEST), WAIT)
        .isPresent());
    long mark = lastSequence();
    Controller c2 = service(c1, options);
    assertEquals(0, countSince(mark, AdminOpcode.ASYNC_EVENT_REQUEST));
    assertEquals(1, emu.outstandingAsyncEventRequests());
    assertEquals(1, c2.asyncEventRequestsOutstanding());
    // And it still works: a change is reported through it.
    try (NamespaceHandle h = c2.open(2, "x")) {
      long before = h.blockCount();
      emu.resizeNamespace(2, 16L << 20);
      assertEquals((16L << 20) / 4096, h.awaitResize(before, WAIT));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"quiesce", "snapshot-queues", "snapshot-namespaces", "encode"})
  void saveFailingAtAnyStageLeavesTheDriverServing(String failAt) throws Exception {
    Controller c1 = start();
    NamespaceHandle h = c1.open(1, "disk");
    MemoryBlock buf = c1.allocateBuffer(4096);
    h.write(0, 8, buf, 0, false);
    Controller.saveStageHook = stage -> {
      if (stage.equals(failAt)) {
        throw new IllegalStateException(stage);
      }
    };
    SavedStateException e = assertThrows(SavedStateException.class, c1::save);
    assertEquals(SavedStateException.Reason.SAVE_FAILED, e.reason());
    assertTrue(e.getMessage().contains(failAt), e.getMessage());
    assertEquals(ControllerState.READY, c1.state());
    for (int cpu = 0; cpu < 4; cpu++) {
      CountDownLatch one = new CountDownLatch(1);
      ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
      h.submitRead(cpu, 0, 8, buf, 0, (ctx, err) -> {
        if (err != null) {
          errors.add(err);
        }
        one.countDown();
      }, 0);
      assertTrue(one.await(5, TimeUnit.SECONDS));
      assertTrue(errors.isEmpty(), errors.toString());
    }
    h.write(8, 8, buf, 0, true);
    Controller.saveStageHook = stage -> { };
    assertEquals(ControllerState.SAVED, stateAfterSave(c1));
  }

  private static ControllerState stateAfterSave(Controller c) throws SavedStateException {
    c.save();
    ControllerState s = c.state();
    c.resumeAfterSave();
    return s;
  }

  @Test
  void abandonedServicingResumesInPlace() throws Exception {
    Controller c1 = start();
    NamespaceHandle h = c1.open(1, "disk");
    MemoryBlock buf = c1.allocateBuffer(4096);
    c1.save();
    assertEquals(ControllerState.SAVED, c1.state());
    CountDownLatch waiting = new CountDownLatch(1);
    Thread t = new Thread(() -> {
      try {
        h.write(0, 8, buf, 0, false);
        waiting.countDown();
      } catch (NvmeException e) {
        throw new AssertionError(e);
      }
    });
    t.start();
    assertFalse(waiting.await(200, TimeUnit.MILLISECONDS), "I/O waits while saved");
    c1.resumeAfterSave();
    assertTrue(waiting.await(5, TimeUnit.SECONDS), "I/O goes on after resume");
    assertEquals(ControllerState.READY, c1.state());
  }

  @Test
  void secondSaveDuringTheDrainCompletes() throws Exception {
    Controller c1 = start();
    NamespaceHandle h = c1.open(1, "disk");
    MemoryBlock src = c1.allocateBuffer(8 * 4096L);
    byte[] data = random(8 * 4096, 3);
    src.copyFrom(ByteBuffer.wrap(data), 0);
    emu.faults().add(CommandMatch.io(NvmOpcode.WRITE), FaultAction.delay(Duration.ofMillis(800)));
    CountDownLatch done = new CountDownLatch(8);
    ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < 8; i++) {
      h.submitWrite(i % 4, i * 8L, 8, src, i * 4096L, false, (ctx, e) -> {
        if (e != null) {
          errors.add(e);
        }
        done.countDown();
      }, i);
    }
    Controller c2 = service(c1, options);
    assertTrue(c2.status().draining() > 0, "still draining");
    Controller c3 = service(c2, options);
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertTrue(errors.isEmpty(), errors.toString());
    try (NamespaceHandle h3 = c3.open(1, "disk")) {
      MemoryBlock check = c3.allocateBuffer(8 * 4096L);
      h3.read(0, 64, check, 0);
      assertArrayEquals(data, bytes(check, 0, 8 * 4096));
    }
    assertEquals(0, c3.status().draining());
  }

  @Test
  void newIoWaitsForTheDrain() throws Exception {
    Controller c1 = start();
    NamespaceHandle h = c1.open(1, "disk");
    MemoryBlock src = c1.allocateBuffer(4096);
    emu.faults().add(CommandMatch.io(NvmOpcode.WRITE).count(1),
        FaultAction.delay(Duration.ofMillis(500)));
    CountDownLatch first = new CountDownLatch(1);
    h.submitWrite(0, 0, 8, src, 0, false, (ctx, e) -> first.countDown(), 0);
    Controller c2 = service(c1, options);
    try (NamespaceHandle h2 = c2.open(1, "disk")) {
      MemoryBlock b = c2.allocateBuffer(4096);
      long mark = lastSequence();
      h2.write(8, 8, b, 0, false);
      assertEquals(0, first.getCount(), "the pre-save write completed before the new one ran");
      CommandLogAssert.writeAfter(emu, mark);
    }
  }

  @Test
  void keepaliveNeedsPersistentMemory() throws Exception {
    ControllerStartException e = assertThrows(ControllerStartException.class,
        () -> Controller.start(emu.device(), new DirectMemory().clientFor(emu.device().id()),
            options));
    assertEquals(ControllerStartException.Reason.RESOURCES, e.reason());
    assertTrue(e.getMessage().contains("'direct'") && e.getMessage().contains("not persistent"),
        e.getMessage());
    Controller c = start();
    assertEquals(ControllerState.READY, c.state());
    assertTrue(c.status().keepalive());
  }

  @Test
  void savedStateWithKeepaliveOffResetsFreesBlocksAndStartsCold() throws Exception {
    Controller c1 = start();
    List<MemoryBlock> before = pool.live();
    long resets = emu.resetCount();
    Controller c2 = service(c1, options.withKeepalive(false));
    assertTrue(c2.status().lastStart().startsWith("cold (keepalive is off"),
        c2.status().lastStart());
    assertTrue(emu.resetCount() > resets, "controller reset");
    for (MemoryBlock b : before) {
      assertFalse(pool.live().contains(b), "stale block freed: " + b.tag());
    }
    assertTrue(pool.pending().isEmpty(), "nothing left unattached");
  }

  @Test
  void missingBlockOrNotReadyOrAnotherDeviceStartsCold() throws Exception {
    Controller c1 = start();
    byte[] s1 = SavedStateCodec.encode(c1.save());
    c1.release();
    pool.live().stream().filter(b -> b.tag().equals("ioq1-cq")).findFirst().orElseThrow()
        .close();
    Controller c2 = Controller.restore(emu.device(), pool.clientFor(emu.device().id()), options,
        SavedStateCodec.decode(s1));
    current = c2;
    assertTrue(c2.status().lastStart().contains("missing"), c2.status().lastStart());

    byte[] s2 = SavedStateCodec.encode(c2.save());
    c2.release();
    emu.device().mapBar(0).write32(Bar0.CC, 0);
    Controller c3 = Controller.restore(emu.device(), pool.clientFor(emu.device().id()), options,
        SavedStateCodec.decode(s2));
    current = c3;
    assertTrue(c3.status().lastStart().contains("not enabled and ready"),
        c3.status().lastStart());

    ControllerSavedState s3 = c3.save();
    c3.release();
    try (EmulatedController other = EmulatedController.builder("nvme1")
        .namespace(1, io.jnvme.transport.emulated.EmulatedNamespace.memory(1L << 20, 512))
        .build()) {
      Controller c4 = Controller.restore(other.device(), pool.clientFor(other.device().id()),
          options, s3);
      assertTrue(c4.status().lastStart().contains("is for device emulated:nvme0"),
          c4.status().lastStart());
      c4.close();
    }
    current = Controller.restore(emu.device(), pool.clientFor(emu.device().id()), options, s3);
    assertEquals("restored", current.status().lastStart());
  }

  @Test
  void unclaimedRestoredNamespacesAreSavedAgain() throws Exception {
    Controller c1 = start();
    c1.open(1, "a");
    c1.open(2, "b");
    Controller c2 = service(c1, options);
    ControllerSavedState again = c2.save();
    assertEquals(List.of(1, 2), again.namespaces().stream().map(n -> n.nsid()).sorted().toList());
    c2.resumeAfterSave();
    try (NamespaceHandle h = c2.open(2, "c")) {
      ControllerSavedState third = c2.save();
      assertEquals(2, third.namespaces().size());
      assertEquals("c", third.namespaces().stream().filter(n -> n.nsid() == 2).findFirst()
          .orElseThrow().owner());
      c2.resumeAfterSave();
    }
  }

  @Test
  void earlierFormatVersionRestores() throws Exception {
    Controller c1 = start();
    c1.open(1, "a");
    byte[] v1 = SavedStateCodec.encode(c1.save().withVersion(1));
    c1.release();
    ControllerSavedState decoded = SavedStateCodec.decode(v1);
    assertEquals(1, decoded.version());
    Controller c2 = Controller.restore(emu.device(), pool.clientFor(emu.device().id()), options,
        decoded);
    current = c2;
    assertEquals("restored", c2.status().lastStart());
    try (NamespaceHandle h = c2.open(1, "a")) {
      MemoryBlock b = c2.allocateBuffer(4096);
      h.write(0, 8, b, 0, false);
    }
  }

  @Test
  void withoutKeepaliveSaveIsRefused() throws Exception {
    current = Controller.start(emu.device(), pool.clientFor(emu.device().id()),
        options.withKeepalive(false));
    assertEquals(SavedStateException.Reason.NOT_PERSISTENT,
        assertThrows(SavedStateException.class, current::save).reason());
    assertEquals(ControllerState.READY, current.state());
  }

  /**
   * Regression: a saved state that passes the codec (intact checksum) but does not fit the device
   * or its memory was restored as is. A CPU count of 2^31-1 sized an array from it and killed the
   * JVM with OutOfMemoryError; a ring larger than its blocks would have been written past them.
   * Restore now checks the state against CAP, the interrupt vectors and the blocks, and starts
   * cold when it does not fit.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cpuCount", "vector", "pendingCid", "entries", "cpuQueues",
      "namespaceIdentify"})
  void savedStateThatDoesNotFitStartsColdOrIsRepairedNeverCrashes(String field) throws Exception {
    Controller c1 = start();
    NamespaceHandle h = c1.open(1, "disk");
    MemoryBlock buf = c1.allocateBuffer(4096);
    byte[] data = random(4096, 9);
    buf.copyFrom(ByteBuffer.wrap(data), 0);
    h.write(0, 8, buf, 0, false);
    ControllerSavedState s = c1.save();
    c1.release();
    ControllerSavedState bad = SavedStateCodec.decode(SavedStateCodec.encode(
        SavedStateMutations.mutate(s, field)));
    current = Controller.restore(emu.device(), pool.clientFor(emu.device().id()), options, bad);
    assertEquals(ControllerState.READY, current.state());
    try (NamespaceHandle h2 = current.open(1, "disk")) {
      MemoryBlock check = current.allocateBuffer(4096);
      h2.read(0, 8, check, 0);
      assertArrayEquals(data, bytes(check, 0, 4096));
    }
  }

  /**
   * Regression: a saved state older than what the controller has done since (an abandoned save,
   * a state restored once already, an old file) was restored as if current, rewinding the rings
   * to positions the device had long passed: the driver would submit into slots the device reads
   * as old commands. Each save now stamps the controller's persistent memory, a restore accepts
   * only the state whose stamp is still there and moves it on, and anything else starts cold.
   */
  @Test
  void staleSavedStateStartsColdAndKeepsEveryAcknowledgedWrite() throws Exception {
    Controller c1 = start();
    NamespaceHandle h = c1.open(1, "disk");
    MemoryBlock buf = c1.allocateBuffer(64 * 4096);
    byte[] data = random(64 * 4096, 12);
    buf.copyFrom(ByteBuffer.wrap(data), 0);
    byte[] abandoned = SavedStateCodec.encode(c1.save());
    c1.resumeAfterSave();
    for (int i = 0; i < 64; i++) {
      h.write(i * 8L, 8, buf, i * 4096L, false);
    }
    byte[] current1 = SavedStateCodec.encode(c1.save());
    c1.release();
    Controller c2 = Controller.restore(emu.device(), pool.clientFor(emu.device().id()), options,
        SavedStateCodec.decode(abandoned));
    current = c2;
    assertTrue(c2.status().lastStart().contains("stale"), c2.status().lastStart());
    // A state restored once is used up as well.
    byte[] s2 = SavedStateCodec.encode(c2.save());
    c2.release();
    Controller c3 = Controller.restore(emu.device(), pool.clientFor(emu.device().id()), options,
        SavedStateCodec.decode(s2));
    current = c3;
    assertEquals("restored", c3.status().lastStart());
    try (NamespaceHandle h3 = c3.open(1, "disk")) {
      h3.read(0, 8, c3.allocateBuffer(4096), 0);
    }
    byte[] s3 = SavedStateCodec.encode(c3.save());
    c3.release();
    Controller c4 = Controller.restore(emu.device(), pool.clientFor(emu.device().id()), options,
        SavedStateCodec.decode(s2));
    current = c4;
    assertTrue(c4.status().lastStart().contains("stale"), c4.status().lastStart());
    assertTrue(current1.length > 0 && s3.length > 0);
    try (NamespaceHandle h4 = c4.open(1, "disk")) {
      MemoryBlock check = c4.allocateBuffer(64 * 4096);
      h4.read(0, 32 * 8, check, 0);
      h4.read(32 * 8, 32 * 8, check, 32 * 4096L);
      assertArrayEquals(data, bytes(check, 0, 64 * 4096));
    }
  }
}
