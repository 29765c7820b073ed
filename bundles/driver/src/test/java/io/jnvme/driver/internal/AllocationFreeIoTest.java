package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.IoCompletion;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeException;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The I/O path allocates nothing per command, on the submitting thread, the completion thread or
 * the emulated device (which runs inline here, on the thread that rings the doorbell). Counted by
 * the JVM's per-thread allocation counters, not timed: after a warm-up, a run of reads may
 * allocate a few one-off objects but nothing that grows with the number of commands.
 */
class AllocationFreeIoTest {
  private static final int WARM_UP = 30_000;
  private static final int MEASURED = 30_000;
  /** One-off allocations (a lazily built structure, a JIT deoptimisation) stay below this. */
  private static final long ONE_OFF_BYTES = 16 << 10;

  @Test
  void synchronousReadsAndWritesAllocateNothingPerCommand() throws Exception {
    try (Fixture f = Fixture.started(emulator(), o -> o.withCpuCount(1));
        NamespaceHandle h = f.ctrl.open(1, "alloc")) {
      MemoryBlock b = f.ctrl.allocateBuffer(4096);
      for (int i = 0; i < WARM_UP; i++) {
        roundTrip(h, b, i);
      }
      long before = allocatedBytes();
      for (int i = 0; i < MEASURED; i++) {
        roundTrip(h, b, i);
      }
      long bytes = allocatedBytes() - before;
      assertTrue(bytes < ONE_OFF_BYTES, bytes + " bytes allocated by " + 2 * MEASURED
          + " synchronous commands (" + (double) bytes / (2 * MEASURED) + " per command)");
    }
  }

  @Test
  void queuedReadsAllocateNothingPerCommand() throws Exception {
    try (Fixture f = Fixture.started(emulator(), o -> o.withCpuCount(1));
        NamespaceHandle h = f.ctrl.open(1, "alloc")) {
      MemoryBlock b = f.ctrl.allocateBuffer(32 * 4096);
      Pump p = new Pump(h, b, 32);
      p.run(WARM_UP);
      long before = allocatedBytes();
      p.run(MEASURED);
      long bytes = allocatedBytes() - before;
      assertEquals(null, p.failure.get());
      assertTrue(bytes < ONE_OFF_BYTES, bytes + " bytes allocated by " + MEASURED
          + " queued reads (" + (double) bytes / MEASURED + " per read)");
    }
  }

  private static EmulatedController.Builder emulator() {
    // The command log is a test facility that keeps an entry object per command; a device has none.
    return EmulatedController.builder("nvme0").capTimeout(4).interruptVectors(4)
        .inlineExecution(true).commandLogCapacity(0)
        .namespace(1, EmulatedNamespace.nullDevice(1L << 30, 512));
  }

  private static void roundTrip(NamespaceHandle h, MemoryBlock b, int i) throws NvmeException {
    long lba = (i & 1023) * 8L;
    h.write(lba, 8, b, 0, false);
    h.read(lba, 8, b, 0);
  }

  /** Bytes allocated so far by every live thread of the JVM. */
  private static long allocatedBytes() {
    com.sun.management.ThreadMXBean t =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long a : t.getThreadAllocatedBytes(t.getAllThreadIds())) {
      if (a > 0) {
        sum += a;
      }
    }
    return sum;
  }

  /** Keeps {@code depth} reads in flight, each completion submitting the next. */
  private static final class Pump implements IoCompletion {
    private final NamespaceHandle h;
    private final MemoryBlock b;
    private final int depth;
    private final AtomicInteger issued = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    final AtomicReference<NvmeException> failure = new AtomicReference<>();
    private volatile int total;
    private volatile Thread waiter;

    Pump(NamespaceHandle h, MemoryBlock b, int depth) {
      this.h = h;
      this.b = b;
      this.depth = depth;
    }

    void run(int n) {
      issued.set(0);
      completed.set(0);
      total = n;
      waiter = Thread.currentThread();
      for (int i = 0; i < depth; i++) {
        issue(i);
      }
      while (completed.get() < n) {
        LockSupport.park(this);
      }
    }

    private void issue(int slot) {
      int i = issued.getAndIncrement();
      if (i < total) {
        h.submitRead(0, (i & 1023) * 8L, 8, b, slot * 4096L, this, slot);
      }
    }

    @Override
    public void completed(long context, NvmeException error) {
      if (error != null) {
        failure.compareAndSet(null, error);
      }
      issue((int) context);
      if (completed.incrementAndGet() >= total) {
        LockSupport.unpark(waiter);
      }
    }
  }
}
