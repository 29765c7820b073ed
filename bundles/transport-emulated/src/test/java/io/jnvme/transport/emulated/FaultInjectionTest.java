package io.jnvme.transport.emulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.DeviceException;
import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.Bar0;
import io.jnvme.spec.Cap;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Status;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultInjectionTest {
  private static final Duration QUIET = Duration.ofMillis(100);
  private EmulatedController ctrl;
  private TestHost host;
  private TestHost.Queue q;
  private MemoryBlock data;

  @BeforeEach
  void setUp() throws Exception {
    ctrl = EmulatedController.builder("faults").interruptVectors(4)
        .namespace(1, EmulatedNamespace.memory(1 << 20, 512))
        .namespace(2, EmulatedNamespace.memory(1 << 20, 512))
        .build();
    host = TestHost.enabled(ctrl);
    q = host.createIoQueue(1, 32, 1);
    data = host.alloc(4096);
  }

  @AfterEach
  void tearDown() {
    host.close();
    ctrl.close();
  }

  private int read(int nsid, long slba) {
    return q.submit(TestHost.rw(NvmOpcode.READ, nsid, slba, 1, data.deviceAddress(0), 0));
  }

  @Test
  void dropMeansNoCompletionAndNoSideEffects() throws Exception {
    FaultRule r = ctrl.faults().add(CommandMatch.io(NvmOpcode.WRITE).nsid(2), FaultAction.drop());
    TestHost.fill(data, 0, 512, 1);
    q.submit(TestHost.rw(NvmOpcode.WRITE, 2, 0, 1, data.deviceAddress(0), 0));
    q.assertNoCompletion(QUIET);
    assertEquals(0, ctrl.namespace(2).orElseThrow().readBytes(0, 1)[0]);
    assertEquals(1, r.matches());
    CommandLogEntry e = ctrl.commandLog().last(x -> x.is(NvmOpcode.WRITE)).orElseThrow();
    assertEquals(CommandLogEntry.State.DROPPED, e.state());
    assertEquals(FaultAction.drop(), e.fault().orElseThrow());
    // Other namespaces are not affected.
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 0, 1, data.deviceAddress(0), 0)).assertSuccess();
    r.remove();
    assertFalse(r.active());
    q.execute(TestHost.rw(NvmOpcode.WRITE, 2, 0, 1, data.deviceAddress(0), 0)).assertSuccess();
  }

  @Test
  void delayLetsLaterCommandsCompleteFirst() throws Exception {
    ctrl.faults().add(CommandMatch.io(NvmOpcode.READ).cdw10(5, 0xFFFF_FFFF).count(1),
        FaultAction.delay(Duration.ofMillis(300)));
    long t0 = System.nanoTime();
    int slow = read(1, 5);
    int fast = read(1, 6);
    TestHost.Completion first = q.await();
    TestHost.Completion second = q.await();
    assertEquals(fast, first.cid());
    assertEquals(slow, second.cid());
    second.assertSuccess();
    assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(300).toNanos());
    // count(1): the next read of LBA 5 is not delayed.
    read(1, 5);
    q.await(Duration.ofMillis(250)).assertSuccess();
    CommandLogEntry last = ctrl.commandLog().last(e -> e.is(NvmOpcode.READ)).orElseThrow();
    assertEquals(5, last.slba());
    assertTrue(last.fault().isEmpty());
  }

  @Test
  void aDelayedCommandIsAbortedWhenItsQueueIsDeleted() throws Exception {
    ctrl.faults().add(CommandMatch.io(NvmOpcode.READ), FaultAction.delay(Duration.ofSeconds(30)));
    int held = read(1, 0);
    TestHost.awaitCondition(() -> ctrl.commandLog().count(NvmOpcode.READ) == 1, "read fetched");
    host.admin.execute(s -> s.opcode(AdminOpcode.DELETE_IO_SQ.raw()).cdw10(1)).assertSuccess();
    TestHost.Completion c = q.await();
    assertEquals(held, c.cid());
    c.assertStatus(Status.ABORTED_SQ_DELETION);
  }

  @Test
  void aDelayedCommandIsDiscardedByAReset() throws Exception {
    ctrl.faults().add(CommandMatch.io(NvmOpcode.WRITE), FaultAction.delay(Duration.ofMillis(100)));
    TestHost.fill(data, 0, 512, 1);
    q.submit(TestHost.rw(NvmOpcode.WRITE, 1, 0, 1, data.deviceAddress(0), 0));
    TestHost.awaitCondition(() -> ctrl.commandLog().count(NvmOpcode.WRITE) == 1, "write fetched");
    host.disable();
    CommandLogEntry e = ctrl.commandLog().last(x -> x.is(NvmOpcode.WRITE)).orElseThrow();
    assertEquals(CommandLogEntry.State.DISCARDED, e.state());
    // Still not executed after the delay would have passed.
    assertTrue(ctrl.commandLog().await(x -> x.is(NvmOpcode.WRITE)
        && x.state() != CommandLogEntry.State.DISCARDED, Duration.ofMillis(200)).isEmpty());
    assertEquals(0, ctrl.namespace(1).orElseThrow().readBytes(0, 1)[0]);
  }

  @Test
  void statusCompletesAtOnceWithoutSideEffects() throws Exception {
    ctrl.faults().add(CommandMatch.io(NvmOpcode.WRITE),
        FaultAction.status(Status.WRITE_FAULT));
    TestHost.fill(data, 0, 512, 1);
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 0, 1, data.deviceAddress(0), 0))
        .assertStatus(Status.WRITE_FAULT);
    assertEquals(0, ctrl.namespace(1).orElseThrow().readBytes(0, 1)[0]);
    // On admin commands too.
    ctrl.faults().add(CommandMatch.admin(AdminOpcode.IDENTIFY), FaultAction.status(Status.INTERNAL_ERROR));
    host.identify(1, 0, data).assertStatus(Status.INTERNAL_ERROR);
  }

  @Test
  void completionCidRewritesTheCidButExecutes() throws Exception {
    ctrl.faults().add(CommandMatch.io(NvmOpcode.WRITE).count(1), FaultAction.completionCid(0xBEEF));
    TestHost.fill(data, 0, 512, 1);
    int cid = q.submit(TestHost.rw(NvmOpcode.WRITE, 1, 0, 1, data.deviceAddress(0), 0));
    TestHost.Completion c = q.await();
    assertEquals(0xBEEF, c.cid());
    assertTrue(cid != 0xBEEF);
    c.assertSuccess();
    assertEquals(data.getByte(0), ctrl.namespace(1).orElseThrow().readBytes(0, 1)[0]);
    assertEquals(cid, ctrl.commandLog().last(e -> e.is(NvmOpcode.WRITE)).orElseThrow().cid());
  }

  @Test
  void completionStatusExecutesButReportsAnotherStatus() throws Exception {
    ctrl.faults().add(CommandMatch.io(NvmOpcode.WRITE).count(1),
        FaultAction.completionStatus(Status.WRITE_FAULT));
    TestHost.fill(data, 0, 512, 1);
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 0, 1, data.deviceAddress(0), 0))
        .assertStatus(Status.WRITE_FAULT);
    assertEquals(data.getByte(0), ctrl.namespace(1).orElseThrow().readBytes(0, 1)[0],
        "the write happened");
    assertTrue(ctrl.commandLog().last(e -> e.is(NvmOpcode.WRITE)).orElseThrow().status()
        .is(Status.WRITE_FAULT));
  }

  @Test
  void rewriteChangesTheCommandBeforeItExecutes() throws Exception {
    // Writes meant for LBA 0 land on LBA 8.
    ctrl.faults().add(CommandMatch.io(NvmOpcode.WRITE).cdw10(0, -1), FaultAction.rewrite(10, 8, -1));
    TestHost.fill(data, 0, 512, 1);
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 0, 1, data.deviceAddress(0), 0)).assertSuccess();
    EmulatedNamespace ns = ctrl.namespace(1).orElseThrow();
    assertEquals(0, ns.readBytes(0, 1)[0]);
    assertEquals(data.getByte(0), ns.readBytes(8 * 512, 1)[0]);
    assertEquals(0, ctrl.commandLog().last(e -> e.is(NvmOpcode.WRITE)).orElseThrow().slba(),
        "the log has the command as submitted");
  }

  @Test
  void skipAndCountSelectWhichMatchesFire() throws Exception {
    FaultRule r = ctrl.faults().add(CommandMatch.io(NvmOpcode.READ).skip(2).count(2),
        FaultAction.status(Status.UNRECOVERED_READ_ERROR));
    Set<Integer> failed = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      TestHost.Completion c = q.execute(TestHost.rw(NvmOpcode.READ, 1, i, 1, data.deviceAddress(0), 0));
      if (!c.status().isSuccess()) {
        failed.add(i);
      }
    }
    assertEquals(Set.of(2, 3), failed);
    assertEquals(2, r.matches());
    assertFalse(r.active());
    assertEquals(1, ctrl.faults().rules().size());
    ctrl.faults().clear();
    assertTrue(ctrl.faults().rules().isEmpty());
  }

  @Test
  void firstMatchingRuleWins() throws Exception {
    ctrl.faults().add(CommandMatch.io().qid(1).nsid(2), FaultAction.status(Status.INTERNAL_ERROR));
    ctrl.faults().add(CommandMatch.any(), FaultAction.status(Status.INVALID_FIELD));
    q.execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(2)).assertStatus(Status.INTERNAL_ERROR);
    q.execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1)).assertStatus(Status.INVALID_FIELD);
    host.identify(1, 0, data).assertStatus(Status.INVALID_FIELD);
  }

  @Test
  void fatalStatusStopsProcessingUntilClearedAndReset() throws Exception {
    ctrl.faults().setFatalStatus(true);
    assertTrue(host.csts().cfs());
    read(1, 0);
    q.assertNoCompletion(QUIET);
    assertEquals(0, ctrl.commandLog().count(NvmOpcode.READ));
    // A reset while still fatal: RDY does not come back.
    host.regs.write32(Bar0.CC, 0);
    host.startEnable(16, TestHost.defaultCc());
    assertFalse(host.csts().rdy());
    ctrl.faults().setFatalStatus(false);
    TestHost.awaitCondition(() -> host.csts().rdy(), "ready once the fault is off");
    assertFalse(host.csts().cfs());
    host.identify(1, 0, data).assertSuccess();
  }

  @Test
  void registersReadAllOnesWhileTheDeviceIsGone() throws Exception {
    ctrl.faults().registersAllOnes(true);
    assertEquals(-1, host.regs.read32(Bar0.CSTS));
    assertEquals(-1L, host.regs.read64(Bar0.CAP));
    host.regs.write32(Bar0.CC, 0);
    read(1, 0);
    q.assertNoCompletion(QUIET);
    ctrl.faults().registersAllOnes(false);
    assertTrue(host.csts().rdy(), "the write of CC went nowhere");
    assertEquals(1024, new Cap(host.regs.read64(Bar0.CAP)).maxQueueEntries());
    q.ring();
    q.await().assertSuccess();
  }

  @Test
  void failIoQueueCreationFailsBothKinds() throws Exception {
    ctrl.faults().failIoQueueCreation(true);
    TestHost.Queue q2 = host.new Queue(2, 16, 2);
    host.createCq(2, 16, q2.cq, 2, true).assertStatus(Status.INVALID_QUEUE_IDENTIFIER);
    host.createSq(2, 16, q2.sq, 1).assertStatus(Status.INVALID_QUEUE_IDENTIFIER);
    ctrl.faults().failIoQueueCreation(Status.INTERNAL_ERROR);
    host.createCq(2, 16, q2.cq, 2, true).assertStatus(Status.INTERNAL_ERROR);
    assertEquals(Status.INTERNAL_ERROR, ctrl.faults().ioQueueCreationFailure().orElseThrow());
    ctrl.faults().failIoQueueCreation(false);
    host.createCq(2, 16, q2.cq, 2, true).assertSuccess();
  }

  @Test
  void failDmaMappingMakesMapDmaThrow() throws Exception {
    ctrl.faults().failDmaMapping(true);
    assertThrows(DeviceException.class, () -> host.alloc(4096));
    ctrl.faults().failDmaMapping(false);
    host.alloc(4096);
  }

  @Test
  void readyDelayCanBeChangedAtRunTime() throws Exception {
    ctrl.faults().readyDelay(Duration.ofMillis(150));
    host.disable();
    long t0 = System.nanoTime();
    host.enable(16);
    assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(150).toNanos());
    ctrl.faults().clear();
    host.disable();
    host.startEnable(16, TestHost.defaultCc());
    assertTrue(host.csts().rdy(), "back to the builder's delay, zero");
  }

  @Test
  void matchesAreImmutableAndPrintable() {
    CommandMatch base = CommandMatch.io(NvmOpcode.WRITE);
    CommandMatch narrowed = base.nsid(3).cdw12(1 << 30, 1 << 30);
    assertTrue(base != narrowed);
    assertEquals("CommandMatch[io opcode=WRITE]", base.toString());
    assertTrue(narrowed.toString().contains("cdw1=0x3/0xffffffff"), narrowed.toString());
    assertEquals(Long.MAX_VALUE, base.countLimit());
    assertThrows(IllegalArgumentException.class, () -> base.count(0));
    assertThrows(IllegalArgumentException.class, () -> base.cdw(16, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> FaultAction.completionCid(0x10000));
    assertThrows(IllegalArgumentException.class, () -> FaultAction.delay(Duration.ofMillis(-1)));
  }
}
