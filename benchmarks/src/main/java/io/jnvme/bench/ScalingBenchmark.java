package io.jnvme.bench;

import io.jnvme.device.DirectMemory;
import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How 4 KiB reads at queue depth 32 scale with streams and I/O queues, on the emulated null
 * namespace with the device running inline (on the thread that rings the doorbell), so that only
 * the driver's threads do the work. {@code layout} is streams x queues: each stream is 32 reads
 * in flight from its own CPU slot, each completion submitting the next read from the queue's
 * completion thread. With one queue both streams share it (and its completion thread); with two
 * each stream has its own queue, vector and completion thread. JMH reports total IOPS; each
 * iteration prints CPU time per I/O as well.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
    "-Dnvme.dma.boundsChecks=false"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class ScalingBenchmark {
  private static final int DEPTH = 32;
  private static final int BLOCKS = 8;

  /** Streams x I/O queues. */
  @Param({"1x1", "2x1", "2x2"})
  public String layout;

  private EmulatedController emu;
  private NvmeController ctrl;
  private NamespaceHandle ns;
  private ReadBenchmark.Pump[] pumps;
  private long ops;
  private long ops0;
  private long cpu0;

  @Setup(Level.Trial)
  public void setUp() throws NvmeException {
    String[] p = layout.split("x");
    int streams = Integer.parseInt(p[0]);
    int queues = Integer.parseInt(p[1]);
    emu = EmulatedController.builder("scale0")
        .inlineExecution(true)
        .commandLogCapacity(0)
        .namespace(1, EmulatedNamespace.nullDevice(1L << 40, 512))
        .build();
    ctrl = new DriverFactory().start(emu.device(),
        new DirectMemory().clientFor(emu.device().id()),
        ControllerOptions.defaults("scale0").withCpuCount(streams).withMaxIoQueues(queues)
            .withCommandTimeout(Duration.ofSeconds(30)));
    ns = ctrl.open(1, "bench");
    pumps = new ReadBenchmark.Pump[streams];
    for (int i = 0; i < streams; i++) {
      MemoryBlock buffer = ctrl.allocateBuffer((long) DEPTH * BLOCKS * 512);
      pumps[i] = new ReadBenchmark.Pump(ns, buffer, i, DEPTH);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    System.out.printf("%n[jnvme] layout=%s ioQueues=%d%n", layout, ctrl.status().ioQueues().size());
    ns.close();
    ctrl.close();
    emu.close();
  }

  @Setup(Level.Iteration)
  public void iterationStart() {
    ops0 = ops;
    cpu0 = ReadBenchmark.processCpuNanos();
  }

  @TearDown(Level.Iteration)
  public void iterationEnd() {
    long n = ops - ops0;
    if (n > 0) {
      System.out.printf("%n[jnvme] layout=%s ios=%d cpuNsPerIo=%d%n", layout, n,
          (ReadBenchmark.processCpuNanos() - cpu0) / n);
    }
  }

  @Benchmark
  @OperationsPerInvocation(ReadBenchmark.BATCH * 2)
  public void read4k() throws NvmeException {
    // Each stream does its share, so an invocation is the same work whatever the layout.
    int each = ReadBenchmark.BATCH * 2 / pumps.length;
    for (ReadBenchmark.Pump p : pumps) {
      p.start(each);
    }
    for (ReadBenchmark.Pump p : pumps) {
      p.await();
    }
    ops += (long) each * pumps.length;
  }
}
