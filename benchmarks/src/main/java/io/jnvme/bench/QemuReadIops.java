package io.jnvme.bench;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.transport.qemu.QemuConfig;
import io.jnvme.transport.qemu.QemuMachine;
import io.jnvme.transport.qemu.QemuNamespace;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * 4 KiB random-read IOPS through the whole stack on QEMU's NVMe controller: driver, queue pair,
 * the QEMU transport (qtest doorbells, MSI-X into guest RAM, polled), QEMU's {@code hw/nvme} and
 * its block layer. Queue depth 1 (synchronous reads from one thread) and queue depth 32
 * (asynchronous; each completion submits the next read from the completion thread), on a
 * {@code null-co} namespace (QEMU moves no data: the transport's cost) and on a raw image file
 * (in the page cache).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.jnvme.bench.QemuReadIops
 * [seconds] [null|file|both]}. Prints one line per run: {@code backend=.. qd=.. iops=..
 * p50Us=.. p99Us=..} (latency from submission to completion; QD1 only).
 */
public final class QemuReadIops {
  private static final int BLOCK = 4096;

  private QemuReadIops() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    String which = args.length > 1 ? args[1] : "both";
    for (String backend : which.equals("both") ? List.of("null", "file") : List.of(which)) {
      run(backend, seconds);
    }
  }

  private static void run(String backend, int seconds) throws Exception {
    String name = "bench-" + ProcessHandle.current().pid() + "-" + backend;
    QemuNamespace ns = backend.equals("null")
        ? QemuNamespace.nullDevice(1, 1L << 30, 512)
        : QemuNamespace.temporary(1, 256L << 20, 512);
    QemuConfig config = QemuConfig.defaults(name)
        .withRunDirectory(Path.of(System.getProperty("java.io.tmpdir"), "jnvme-qemu-bench", name))
        .withNamespaces(List.of(ns))
        .withSubsystem(false);
    try (QemuMachine m = QemuMachine.start(config);
        NvmeController c = new DriverFactory().start(m.device(), m.dmaClient(),
            ControllerOptions.defaults("nvme1").withCpuCount(1).withIoQueueEntries(256)
                .withCommandTimeout(Duration.ofSeconds(30)));
        NamespaceHandle h = c.open(1, "bench")) {
      long blocks = h.blockCount() / (BLOCK / h.blockSize());
      int per = BLOCK / h.blockSize();
      if (backend.equals("file")) {
        // Write the whole range once so the reads hit allocated, cached blocks.
        MemoryBlock w = c.allocateBuffer(1 << 19);
        for (long lba = 0; lba < h.blockCount(); lba += (1 << 19) / h.blockSize()) {
          h.write(lba, (1 << 19) / h.blockSize(), w, 0, false);
        }
        w.close();
      }
      qd1(h, c, backend, blocks, per, 1); // warm-up
      qd1(h, c, backend, blocks, per, seconds);
      qd32(h, c, backend, blocks, per, 1); // warm-up
      qd32(h, c, backend, blocks, per, seconds);
    }
  }

  private static void qd1(NamespaceHandle h, NvmeController c, String backend, long blocks,
      int per, int seconds) throws Exception {
    MemoryBlock b = c.allocateBuffer(BLOCK);
    SplittableRandom rnd = new SplittableRandom(1);
    long[] lat = new long[4_000_000];
    int n = 0;
    long t0 = System.nanoTime();
    long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
    long now = t0;
    while (now < end && n < lat.length) {
      h.read(rnd.nextLong(blocks) * per, per, b, 0);
      long t = System.nanoTime();
      lat[n++] = t - now;
      now = t;
    }
    double s = (now - t0) / 1e9;
    Arrays.sort(lat, 0, n);
    if (seconds > 1) {
      System.out.printf("backend=%s qd=1 iops=%.0f p50Us=%.1f p99Us=%.1f ios=%d%n", backend,
          n / s, lat[n / 2] / 1e3, lat[(int) (n * 0.99)] / 1e3, n);
    }
    b.close();
  }

  private static void qd32(NamespaceHandle h, NvmeController c, String backend, long blocks,
      int per, int seconds) throws Exception {
    int depth = 32;
    MemoryBlock b = c.allocateBuffer((long) depth * BLOCK);
    AtomicLong done = new AtomicLong();
    AtomicReference<Throwable> error = new AtomicReference<>();
    CountDownLatch drained = new CountDownLatch(depth);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    SplittableRandom[] rnd = new SplittableRandom[depth];
    io.jnvme.driver.IoCompletion[] next = new io.jnvme.driver.IoCompletion[1];
    next[0] = (ctx, e) -> {
      if (e != null) {
        error.compareAndSet(null, e);
        drained.countDown();
        return;
      }
      done.incrementAndGet();
      if (System.nanoTime() >= end) {
        drained.countDown();
        return;
      }
      int i = (int) ctx;
      h.submitRead(0, rnd[i].nextLong(blocks) * per, per, b, (long) i * BLOCK, next[0], i);
    };
    long t0 = System.nanoTime();
    for (int i = 0; i < depth; i++) {
      rnd[i] = new SplittableRandom(i + 7);
      h.submitRead(0, rnd[i].nextLong(blocks) * per, per, b, (long) i * BLOCK, next[0], i);
    }
    if (!drained.await(seconds + 60L, TimeUnit.SECONDS)) {
      throw new IllegalStateException("QD32 run did not drain");
    }
    double s = (System.nanoTime() - t0) / 1e9;
    if (error.get() != null) {
      throw new IllegalStateException("read failed", error.get());
    }
    if (seconds > 1) {
      System.out.printf("backend=%s qd=32 iops=%.0f ios=%d%n", backend, done.get() / s,
          done.get());
    }
    b.close();
  }
}
