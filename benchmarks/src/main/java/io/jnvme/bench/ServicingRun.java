package io.jnvme.bench;

import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.driver.savestate.SavedStateCodec;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * End-to-end servicing figures on the emulated controller and the page pool: how long save and
 * restore take with 1, 4 and 16 I/O queues, and the longest gap between completions that a
 * running write workload sees during one servicing, with keepalive (save, release, restore) and
 * without (shutdown, cold start). Run: {@code java -cp benchmarks/target/benchmarks.jar
 * io.jnvme.bench.ServicingRun [rounds]}.
 */
public final class ServicingRun {
  private static final DriverFactory FACTORY = new DriverFactory();

  private ServicingRun() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of("/tmp");
    Path file = Files.createTempFile(dir, "jnvme-bench-pool", "");
    Files.delete(file);
    try (PagePool pool = PagePool.open(file, 256L << 20, 0x40_0000_0000L)) {
      for (int queues : new int[] {1, 4, 16}) {
        saveRestore(pool, queues, rounds);
      }
      pause(pool, true);
      pause(pool, false);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static EmulatedController emulator(String name) {
    return EmulatedController.builder(name).interruptVectors(32).maxIoQueues(32)
        .namespace(1, EmulatedNamespace.memory(64L << 20, 512)).build();
  }

  private static ControllerOptions options(String name, int cpus, boolean keepalive) {
    return ControllerOptions.defaults(name).withCpuCount(cpus).withKeepalive(keepalive)
        .withCommandTimeout(Duration.ofSeconds(10));
  }

  private static void saveRestore(PagePool pool, int queues, int rounds) throws Exception {
    String name = "svc" + queues;
    try (EmulatedController emu = emulator(name)) {
      ControllerOptions opts = options(name, queues, true);
      NvmeController c = FACTORY.start(emu.device(), pool.clientFor(emu.device().id()), opts);
      try (NamespaceHandle h = c.open(1, "bench")) {
        MemoryBlock b = c.allocateBuffer(4096);
        CountDownLatch all = new CountDownLatch(queues);
        for (int cpu = 0; cpu < queues; cpu++) {
          h.submitRead(cpu, cpu, 8, b, 0, (ctx, e) -> all.countDown(), cpu);
        }
        all.await();
      }
      long[] save = new long[rounds];
      long[] restore = new long[rounds];
      int bytes = 0;
      for (int r = 0; r < rounds; r++) {
        long t0 = System.nanoTime();
        byte[] state = SavedStateCodec.encode(c.save());
        long t1 = System.nanoTime();
        c.release();
        long t2 = System.nanoTime();
        c = FACTORY.restore(emu.device(), pool.clientFor(emu.device().id()), opts,
            SavedStateCodec.decode(state));
        long t3 = System.nanoTime();
        save[r] = t1 - t0;
        restore[r] = t3 - t2;
        bytes = state.length;
        if (!"restored".equals(c.status().lastStart())) {
          throw new IllegalStateException("round " + r + ": " + c.status().lastStart());
        }
      }
      System.out.printf("[jnvme-servicing] queues=%d ioQueues=%d stateBytes=%d saveUs(median)=%d"
          + " saveUs(max)=%d restoreUs(median)=%d restoreUs(max)=%d rounds=%d%n", queues,
          c.status().ioQueues().size(), bytes, median(save) / 1000, max(save) / 1000,
          median(restore) / 1000, max(restore) / 1000, rounds);
      c.close();
    }
  }

  /** A writer thread keeps writing; one servicing happens; the longest gap is the pause. */
  private static void pause(PagePool pool, boolean keepalive) throws Exception {
    String name = keepalive ? "pause-ka" : "pause-cold";
    try (EmulatedController emu = emulator(name)) {
      ControllerOptions opts = options(name, 4, keepalive);
      AtomicReference<NvmeController> ctrl = new AtomicReference<>(
          FACTORY.start(emu.device(), pool.clientFor(emu.device().id()), opts));
      AtomicLong maxGap = new AtomicLong();
      AtomicLong ios = new AtomicLong();
      AtomicLong retries = new AtomicLong();
      long[] servicingAt = {0};
      Thread writer = new Thread(() -> {
        long last = System.nanoTime();
        NvmeController mine = null;
        NamespaceHandle h = null;
        MemoryBlock b = null;
        while (!Thread.currentThread().isInterrupted()) {
          try {
            if (mine != ctrl.get()) {
              if (h != null) {
                h.close();
              }
              mine = ctrl.get();
              h = mine.open(1, "writer");
              b = mine.allocateBuffer(4096);
            }
            h.write(ios.get() % 1000 * 8, 8, b, 0, false);
            long now = System.nanoTime();
            if (servicingAt[0] != 0) {
              maxGap.accumulateAndGet(now - last, Math::max);
            }
            last = now;
            ios.incrementAndGet();
          } catch (ControllerFailedException e) {
            retries.incrementAndGet();
            Thread.onSpinWait();
          } catch (NvmeException e) {
            retries.incrementAndGet();
          }
        }
      }, "bench-writer");
      writer.start();
      Thread.sleep(500);
      servicingAt[0] = System.nanoTime();
      long t0 = System.nanoTime();
      NvmeController old = ctrl.get();
      NvmeController next;
      if (keepalive) {
        byte[] state = SavedStateCodec.encode(old.save());
        old.release();
        next = FACTORY.restore(emu.device(), pool.clientFor(emu.device().id()), opts,
            SavedStateCodec.decode(state));
      } else {
        old.close();
        next = FACTORY.start(emu.device(), pool.clientFor(emu.device().id()), opts);
      }
      ctrl.set(next);
      long servicing = System.nanoTime() - t0;
      Thread.sleep(500);
      writer.interrupt();
      writer.join();
      System.gc();
      System.out.printf("[jnvme-servicing] keepalive=%b servicingUs=%d maxIoPauseUs=%d ios=%d"
          + " retriedCalls=%d resets=%d lastStart=%s%n", keepalive, servicing / 1000,
          maxGap.get() / 1000, ios.get(), retries.get(), emu.resetCount(),
          next.status().lastStart());
      next.close();
    }
  }

  private static long median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static long max(long[] v) {
    return Arrays.stream(v).max().orElse(0);
  }
}
