package io.jnvme.transport.emulated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.Bar0;
import io.jnvme.spec.Cqe;
import io.jnvme.spec.NvmOpcode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QueueBehaviourTest {
  private static final Duration QUIET = Duration.ofMillis(100);
  private EmulatedController ctrl;
  private TestHost host;

  private void start(boolean inline) throws Exception {
    ctrl = EmulatedController.builder("queues").interruptVectors(8).inlineExecution(inline)
        .namespace(1, EmulatedNamespace.memory(32L << 20, 512))
        .build();
    host = TestHost.enabled(ctrl);
  }

  @AfterEach
  void tearDown() {
    if (host != null) {
      host.close();
    }
    if (ctrl != null) {
      ctrl.close();
    }
  }

  /** Completions the controller posted after the host's head, without consuming them. */
  private static int visible(TestHost.Queue q) {
    int n = 0;
    int head = q.cqHead;
    boolean phase = q.phase;
    while (n < q.entries) {
      int dw3 = q.cq.getIntAcquire((long) head * Cqe.SIZE + Cqe.DW3_OFFSET);
      if ((((dw3 >>> 16) & 1) != 0) != phase) {
        break;
      }
      n++;
      if (++head == q.entries) {
        head = 0;
        phase = !phase;
      }
    }
    return n;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aFullCompletionQueueHoldsCompletionsAndStopsFetching(boolean inline) throws Exception {
    start(inline);
    TestHost.Queue q = host.new Queue(1, 4, 1);
    TestHost.Queue sq = host.new Queue(1, 16, 1);
    host.createCq(1, 4, q.cq, 1, true).assertSuccess();
    host.createSq(1, 16, sq.sq, 1).assertSuccess();
    List<Integer> cids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      cids.add(sq.put(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1)));
    }
    sq.ring();
    TestHost.awaitCondition(() -> visible(q) == 3, "three completions, the CQ is full");
    // Give the controller time to do something wrong: it must neither write the free slot nor
    // fetch more than the one command whose completion waits (Create CQ and SQ are entries 0-1,
    // the flushes 2-9).
    assertTrue(ctrl.commandLog().await(e -> e.sequence() >= 6, QUIET).isEmpty(),
        "a fifth flush was fetched while the CQ was full");
    assertEquals(3, visible(q));
    assertEquals(4, ctrl.commandLog().count(NvmOpcode.FLUSH));
    assertEquals(0, q.cq.getInt(3L * Cqe.SIZE + Cqe.DW3_OFFSET), "slot 3 still untouched");
    List<Integer> seen = new ArrayList<>();
    int lastSqhd = -1;
    while (seen.size() < 8) {
      TestHost.Completion c = q.await();
      c.assertSuccess();
      assertEquals(1, c.sqid());
      lastSqhd = c.sqhd();
      seen.add(c.cid());
    }
    assertEquals(cids, seen, "in order, none lost");
    assertEquals(8, lastSqhd, "SQ head after fetching all eight");
  }

  @Test
  void cqHeadMayOnlyCoverPostedEntries() throws Exception {
    start(false);
    TestHost.Queue q = host.createIoQueue(1, 8, 1);
    q.execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1)).assertSuccess();
    // One entry consumed; claiming five is an invalid doorbell value and is ignored.
    host.regs.write32(Bar0.cqHeadDoorbell(1, host.dstrd), 5);
    q.execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1)).assertSuccess();
  }

  @Test
  void maskedVectorsDeferTheirSignal() throws Exception {
    start(false);
    TestHost.Queue q = host.createIoQueue(1, 8, 3);
    host.regs.write32(Bar0.INTMS, 1 << 3);
    assertEquals(1 << 3, host.regs.read32(Bar0.INTMS));
    q.submit(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1));
    TestHost.awaitCondition(() -> q.peek().isPresent(), "completion posted");
    assertFalse(q.irq.await(50, TimeUnit.MILLISECONDS), "masked");
    host.regs.write32(Bar0.INTMC, 1 << 3);
    assertEquals(0, host.regs.read32(Bar0.INTMS));
    assertTrue(q.irq.await(0, TimeUnit.MILLISECONDS), "raised on unmask");
  }

  @Test
  void interruptsOnlyWhenEnabledForTheQueue() throws Exception {
    start(false);
    TestHost.Queue q = host.new Queue(1, 8, 2);
    host.createCq(1, 8, q.cq, 2, false).assertSuccess();
    host.createSq(1, 8, q.sq, 1).assertSuccess();
    long before = ctrl.interruptCount(2);
    q.submit(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1));
    TestHost.awaitCondition(() -> q.peek().isPresent(), "completion posted (polled)");
    assertEquals(before, ctrl.interruptCount(2));
  }

  @Test
  void aSignalWithNobodyWaitingIsRemembered() throws Exception {
    start(false);
    TestHost.Queue q = host.createIoQueue(1, 8, 1);
    q.submit(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1));
    TestHost.awaitCondition(() -> ctrl.interruptCount(1) == 1, "vector raised");
    assertTrue(q.irq.await(0, TimeUnit.MILLISECONDS));
    assertFalse(q.irq.await(0, TimeUnit.MILLISECONDS), "consumed");
    q.irq.wake();
    assertTrue(q.irq.await(0, TimeUnit.MILLISECONDS));
  }

  @Test
  void severalSubmissionQueuesShareOneCompletionQueue() throws Exception {
    start(false);
    TestHost.Queue q = host.new Queue(1, 32, 1);
    host.createCq(1, 32, q.cq, 1, true).assertSuccess();
    TestHost.Queue a = host.new Queue(1, 8, 1);
    TestHost.Queue b = host.new Queue(2, 8, 1);
    host.createSq(1, 8, a.sq, 1).assertSuccess();
    host.createSq(2, 8, b.sq, 1).assertSuccess();
    int ca = a.submit(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1));
    int cb = b.submit(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1));
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      TestHost.Completion c = q.await();
      got.add(c.sqid() + ":" + c.cid());
    }
    got.sort(null);
    assertEquals(List.of("1:" + ca, "2:" + cb), got);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void queuesRunConcurrentlyWithoutMixingData(boolean inline) throws Exception {
    start(inline);
    int queues = 4;
    int rounds = 100;
    ExecutorService pool = Executors.newFixedThreadPool(queues);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 1; t <= queues; t++) {
        TestHost.Queue q = host.createIoQueue(t, 16, t);
        MemoryBlock out = host.alloc(8192);
        MemoryBlock in = host.alloc(8192);
        long base = t * 10_000L;
        done.add(pool.submit(() -> {
          for (int i = 0; i < rounds; i++) {
            TestHost.fill(out, 0, 8192, base + i);
            q.execute(TestHost.rw(NvmOpcode.WRITE, 1, base + i * 16, 16, out.deviceAddress(0),
                out.deviceAddress(1))).assertSuccess();
            q.execute(TestHost.rw(NvmOpcode.READ, 1, base + i * 16, 16, in.deviceAddress(0),
                in.deviceAddress(1))).assertSuccess();
            assertArrayEquals(TestHost.bytes(out, 0, 8192), TestHost.bytes(in, 0, 8192));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(queues * rounds, ctrl.commandLog().count(NvmOpcode.WRITE));
  }

  @Test
  void theWorkerSleepsWhenIdle() throws Exception {
    start(false);
    host.createIoQueue(1, 8, 1).execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1));
    Thread worker = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("emu-queues")).findFirst().orElseThrow();
    assertTrue(worker.isDaemon());
    TestHost.awaitCondition(() -> worker.getState() == Thread.State.WAITING,
        "worker parked without a deadline");
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    if (mx.isThreadCpuTimeSupported()) {
      long cpu0 = mx.getThreadCpuTime(worker.getId());
      // A measuring window: nothing is submitted, so nothing may be fetched either.
      assertTrue(ctrl.commandLog().await(e -> e.sequence() > 2, Duration.ofMillis(200)).isEmpty());
      long used = mx.getThreadCpuTime(worker.getId()) - cpu0;
      assertTrue(used < Duration.ofMillis(20).toNanos(), "idle worker used " + used + " ns of CPU");
    }
  }
}
