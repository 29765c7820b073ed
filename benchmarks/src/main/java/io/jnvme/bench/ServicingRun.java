package io.jnvme.bench;

import io.jnvme.device.Device;
import io.jnvme.device.DmaClient;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.driver.savestate.SavedStateCodec;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import io.jnvme.transport.qemu.QemuConfig;
import io.jnvme.transport.qemu.QemuMachine;
import io.jnvme.transport.qemu.QemuNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

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
    int pauseRounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    String targets = args.length > 2 ? args[2] : "emulated";
    if (targets.equals("emulated") || targets.equals("both")) {
      Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of("/tmp");
      Path file = Files.createTempFile(dir, "jnvme-bench-pool", "");
      Files.delete(file);
      try (PagePool pool = PagePool.open(file, 256L << 20, 0x40_0000_0000L)) {
        for (int queues : new int[] {1, 4, 16}) {
          saveRestore(pool, queues, rounds);
        }
        comparePauses("emulated", pauseRounds, keepalive -> {
          EmulatedController emu = emulator(keepalive ? "pause-ka" : "pause-cold");
          return new Target(emu.device(), () -> pool.clientFor(emu.device().id()),
              emu::resetCount, emu);
        });
      } finally {
        Files.deleteIfExists(file);
      }
    }
    if (targets.equals("qemu") || targets.equals("both")) {
      comparePauses("qemu", pauseRounds, keepalive -> {
        String name = "svc-" + ProcessHandle.current().pid() + (keepalive ? "-ka" : "-cold");
        QemuMachine m = QemuMachine.start(QemuConfig.defaults(name)
            .withRunDirectory(Path.of(System.getProperty("java.io.tmpdir"), "jnvme-qemu-bench",
                name))
            .withNamespaces(List.of(QemuNamespace.temporary(1, 64L << 20, 512)))
            .withSubsystem(false));
        return new Target(m.device(), m::dmaClient, m::resetCount, m);
      });
    }
  }

  /** A controller to service: its device, its (persistent) memory, its reset count. */
  private record Target(Device device, Supplier<DmaClient> dma, LongSupplier resets,
      AutoCloseable owner) {}

  /** Opens a fresh target; {@code keepalive} only names it. */
  private interface TargetFactory {
    Target open(boolean keepalive) throws Exception;
  }

  private static void comparePauses(String label, int rounds, TargetFactory targets)
      throws Exception {
    long keepalive;
    long cold;
    Target t = targets.open(true);
    try {
      keepalive = pause(label, t, true, rounds);
    } finally {
      t.owner().close();
    }
    t = targets.open(false);
    try {
      cold = pause(label, t, false, rounds);
    } finally {
      t.owner().close();
    }
    System.out.printf("[jnvme-servicing] target=%s ioPause reset/keepalive (medians) = %.1f%n",
        label, (double) cold / Math.max(1, keepalive));
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

  /**
   * A writer thread keeps writing 4 KiB blocks while the controller is serviced {@code rounds}
   * times. A round's pause is the longest gap between two of the writer's completions from before
   * the servicing began until its first completion on the new controller, so it covers the whole
   * servicing and the client's switch (open, buffer, first write), and nothing after it.
   */
  private static long pause(String label, Target target, boolean keepalive, int rounds)
      throws Exception {
    String name = keepalive ? "pause-ka" : "pause-cold";
    ControllerOptions opts = options(name, 4, keepalive);
    AtomicReference<NvmeController> ctrl = new AtomicReference<>(
        FACTORY.start(target.device(), target.dma().get(), opts));
    Writer w = new Writer(ctrl);
    Thread writer = new Thread(w, "bench-writer");
    writer.start();
    long[] pause = new long[rounds];
    long[] first = new long[rounds];
    long[] second = new long[rounds];
    long[] third = new long[rounds];
    long[] after = new long[rounds];
    try {
      for (int r = 0; r < rounds; r++) {
        Thread.sleep(100);
        w.maxGap = 0;
        w.roundOpen = true;
        long t0 = System.nanoTime();
        NvmeController old = ctrl.get();
        NvmeController next;
        long t1;
        long t2;
        if (keepalive) {
          byte[] state = SavedStateCodec.encode(old.save());
          t1 = System.nanoTime();
          old.release();
          t2 = System.nanoTime();
          next = FACTORY.restore(target.device(), target.dma().get(), opts,
              SavedStateCodec.decode(state));
          if (!"restored".equals(next.status().lastStart())) {
            throw new IllegalStateException("round " + r + ": " + next.status().lastStart());
          }
        } else {
          old.close();
          t1 = System.nanoTime();
          t2 = t1;
          next = FACTORY.start(target.device(), target.dma().get(), opts);
        }
        long t3 = System.nanoTime();
        publish(ctrl, next);
        // Parks rather than spins: on a 2-CPU machine a spinning thread here would delay the very
        // threads whose pause is measured.
        w.servicer = Thread.currentThread();
        while (w.roundOpen && writer.isAlive()) {
          LockSupport.parkNanos(w, 1_000_000);
        }
        pause[r] = w.maxGap;
        after[r] = w.firstOnNew - t3;
        first[r] = t1 - t0;
        second[r] = t2 - t1;
        third[r] = t3 - t2;
      }
    } finally {
      writer.interrupt();
      writer.join();
    }
    if (w.failure != null) {
      throw new IllegalStateException("the writer failed", w.failure);
    }
    System.out.printf("[jnvme-servicing] target=%s keepalive=%b rounds=%d ioPauseUs(median)=%d"
        + " ioPauseUs(max)=%d %s(median)=%d %s(median)=%d %s(median)=%d firstWriteAfterUs(median)=%d"
        + " writes=%d resets=%d%n",
        label, keepalive, rounds, median(pause) / 1000, max(pause) / 1000,
        keepalive ? "saveUs" : "shutdownUs", median(first) / 1000,
        keepalive ? "releaseUs" : "-", median(second) / 1000,
        keepalive ? "restoreUs" : "coldStartUs", median(third) / 1000, median(after) / 1000, w.ios,
        target.resets().getAsLong());
    ctrl.get().close();
    return median(pause);
  }

  /** Publishes {@code next} as the controller writers should use, waking those waiting. */
  private static void publish(AtomicReference<NvmeController> ctrl, NvmeController next) {
    synchronized (ctrl) {
      ctrl.set(next);
      ctrl.notifyAll();
    }
  }

  /** Writes 4 KiB blocks in a loop, following the controller to its replacement. */
  private static final class Writer implements Runnable {
    private final AtomicReference<NvmeController> ctrl;
    /** Set by the servicing thread; cleared by the writer at its first write on a new controller. */
    volatile boolean roundOpen;
    volatile long maxGap;
    /** The thread that waits for the end of a round. */
    volatile Thread servicer;
    /** When the writer's first write on a new controller completed. */
    volatile long firstOnNew;
    volatile long ios;
    volatile Exception failure;

    Writer(AtomicReference<NvmeController> ctrl) {
      this.ctrl = ctrl;
    }

    /** Waits up to 10 s until a controller other than {@code mine} is published. */
    private boolean awaitReplacement(NvmeController mine) throws NvmeException {
      long deadline = System.nanoTime() + 10_000_000_000L;
      synchronized (ctrl) {
        while (ctrl.get() == mine) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          try {
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(ctrl, left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
          }
        }
      }
      return true;
    }

    @Override
    public void run() {
      NvmeController mine = null;
      NamespaceHandle h = null;
      MemoryBlock b = null;
      long last = System.nanoTime();
      try {
        while (!Thread.currentThread().isInterrupted()) {
          boolean switched = false;
          if (mine != ctrl.get()) {
            if (h != null) {
              h.close();
              // Frees the memory the next driver re-attached for it, as a disk layer does.
              b.close();
            }
            switched = mine != null;
            mine = ctrl.get();
            h = mine.open(1, "writer");
            b = mine.allocateBuffer(4096);
          }
          try {
            h.write(ios % 1000 * 8, 8, b, 0, false);
          } catch (NvmeException e) {
            // Serviced (released, or shut down and its buffers freed): like the disk layer, wait
            // for the replacement rather than spin on errors, which on a small machine would take
            // CPU from the servicing itself. No replacement within seconds is a real failure.
            if (!awaitReplacement(mine)) {
              throw e;
            }
            continue;
          }
          long now = System.nanoTime();
          if (roundOpen) {
            maxGap = Math.max(maxGap, now - last);
            if (switched) {
              firstOnNew = now;
              roundOpen = false;
              LockSupport.unpark(servicer);
            }
          }
          last = now;
          ios++;
        }
      } catch (NvmeException | RuntimeException e) {
        failure = e;
        roundOpen = false;
      } finally {
        if (h != null) {
          h.close();
        }
      }
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
