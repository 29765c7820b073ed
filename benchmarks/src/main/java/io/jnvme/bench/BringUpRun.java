package io.jnvme.bench;

import io.jnvme.device.DirectMemory;
import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * Bring-up time on the emulated controller: from {@code start()} to ready (the first I/O queue
 * made), and until 1 or 16 I/O queues exist. Run: {@code java -cp benchmarks/target/benchmarks.jar
 * io.jnvme.bench.BringUpRun [rounds]}.
 */
public final class BringUpRun {
  private BringUpRun() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    DriverFactory factory = new DriverFactory();
    for (int queues : new int[] {1, 16}) {
      long[] ready = new long[rounds];
      long[] allQueues = new long[rounds];
      for (int r = 0; r < rounds; r++) {
        try (EmulatedController emu = EmulatedController.builder("bringup").interruptVectors(32)
            .maxIoQueues(32).namespace(1, EmulatedNamespace.nullDevice(1L << 30, 512)).build()) {
          long t0 = System.nanoTime();
          NvmeController c = factory.start(emu.device(),
              new DirectMemory().clientFor(emu.device().id()),
              ControllerOptions.defaults("bringup").withCpuCount(queues));
          long t1 = System.nanoTime();
          try (NamespaceHandle h = c.open(1, "bench")) {
            MemoryBlock b = c.allocateBuffer(4096);
            CountDownLatch all = new CountDownLatch(queues);
            for (int cpu = 0; cpu < queues; cpu++) {
              h.submitRead(cpu, 0, 8, b, 0, (ctx, e) -> all.countDown(), cpu);
            }
            all.await();
          }
          long t2 = System.nanoTime();
          ready[r] = t1 - t0;
          allQueues[r] = t2 - t0;
          if (c.status().ioQueues().size() != queues) {
            throw new IllegalStateException("expected " + queues + " queues, got "
                + c.status().ioQueues().size());
          }
          c.close();
        }
      }
      Arrays.sort(ready);
      Arrays.sort(allQueues);
      System.out.printf("[jnvme-bringup] queues=%d readyUs(median)=%d allQueuesUs(median)=%d"
          + " rounds=%d%n", queues, ready[rounds / 2] / 1000, allQueues[rounds / 2] / 1000,
          rounds);
    }
  }
}
