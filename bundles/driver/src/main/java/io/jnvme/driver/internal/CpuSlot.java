package io.jnvme.driver.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CPU slot of the calling thread. Java cannot ask which CPU it runs on without a native call,
 * which the I/O path must not make; so each thread that does I/O is given a slot number once,
 * round robin, and keeps it. With as many slots as CPUs, threads spread over queues as per-CPU
 * queues intend, and a thread always uses the same queue.
 */
final class CpuSlot {
  private static final AtomicInteger NEXT = new AtomicInteger();
  private static final ThreadLocal<int[]> SLOT =
      ThreadLocal.withInitial(() -> new int[] {NEXT.getAndIncrement() & Integer.MAX_VALUE});

  private CpuSlot() {}

  /** The calling thread's slot, reduced modulo {@code cpuCount}. */
  static int current(int cpuCount) {
    return SLOT.get()[0] % cpuCount;
  }
}
