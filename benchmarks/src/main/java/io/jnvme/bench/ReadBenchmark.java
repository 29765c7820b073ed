package io.jnvme.bench;

import io.jnvme.device.DirectMemory;
import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.IoCompletion;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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
 * 4 KiB reads through the driver on the emulated controller's null namespace (which completes
 * without moving data), at queue depth 1 (synchronous reads) and 32 (asynchronous, each
 * completion submitting the next read). JMH reports IOPS (ops/s); each iteration also prints
 * the CPU time per I/O of the whole process and of the driver alone (process minus the emulated
 * device's threads).
 *
 * <p>{@code execution=worker} runs the device on its own thread, as a real device is separate
 * hardware; {@code execution=inline} runs it on the thread that rings the doorbell, which
 * removes one thread hand-off and shows the driver's own cost more directly.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
    "-Dnvme.dma.boundsChecks=false"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class ReadBenchmark {
  static final int BATCH = 1024;
  private static final int BLOCKS = 8;

  @Param({"1", "32"})
  public int queueDepth;

  @Param({"worker", "inline"})
  public String execution;

  private EmulatedController emu;
  private NvmeController ctrl;
  private NamespaceHandle ns;
  private MemoryBlock buffer;
  private Pump pump;

  private long ops;
  private long cpu0;
  private long deviceCpu0;
  private long driverAlloc0;
  private long ops0;

  @Setup(Level.Trial)
  public void setUp() throws NvmeException {
    emu = EmulatedController.builder("bench0")
        .inlineExecution("inline".equals(execution))
        // The command log is a test facility (one entry object per command); a device has none.
        .commandLogCapacity(0)
        .namespace(1, EmulatedNamespace.nullDevice(1L << 40, 512))
        .build();
    ctrl = new DriverFactory().start(emu.device(),
        new DirectMemory().clientFor(emu.device().id()),
        ControllerOptions.defaults("bench0").withCpuCount(1).withMaxIoQueues(1)
            .withCommandTimeout(Duration.ofSeconds(30)));
    ns = ctrl.open(1, "bench");
    buffer = ctrl.allocateBuffer((long) queueDepth * BLOCKS * 512);
    pump = new Pump(ns, buffer, 0, queueDepth);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ns.close();
    ctrl.close();
    emu.close();
  }

  @Setup(Level.Iteration)
  public void iterationStart() {
    ops0 = ops;
    cpu0 = processCpuNanos();
    deviceCpu0 = deviceCpuNanos();
    driverAlloc0 = driverAllocatedBytes();
  }

  @TearDown(Level.Iteration)
  public void iterationEnd() {
    long n = ops - ops0;
    long cpu = processCpuNanos() - cpu0;
    long device = deviceCpuNanos() - deviceCpu0;
    long alloc = driverAllocatedBytes() - driverAlloc0;
    if (n > 0) {
      System.out.printf("%n[jnvme] qd=%d execution=%s ios=%d cpuNsPerIo=%d driverCpuNsPerIo=%d"
          + " driverAllocBytesPerIo=%.3f%n", queueDepth, execution, n, cpu / n,
          (cpu - device) / n, (double) alloc / n);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void read4k() throws NvmeException {
    if (queueDepth == 1) {
      for (int i = 0; i < BATCH; i++) {
        ns.read(i * (long) BLOCKS, BLOCKS, buffer, 0);
      }
    } else {
      pump.run(BATCH);
    }
    ops += BATCH;
  }

  /** CPU time of the whole process so far. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * Bytes allocated by the driver's threads: the benchmark thread and the completion threads
   * ({@code bench0-*}); the emulated device's threads ({@code emu-*}) are left out. Meaningful
   * with {@code execution=worker}, where the device does not run on the benchmark thread.
   */
  private static long driverAllocatedBytes() {
    com.sun.management.ThreadMXBean t =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (ThreadInfo info : t.getThreadInfo(t.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      String n = info.getThreadName();
      if (n.startsWith("bench0-") || n.startsWith("org.openjdk.jmh.") || n.contains("jmh-worker")) {
        long a = t.getThreadAllocatedBytes(info.getThreadId());
        if (a > 0) {
          sum += a;
        }
      }
    }
    return sum;
  }

  /** CPU time of the emulated device's threads (named {@code emu-*}). */
  private static long deviceCpuNanos() {
    ThreadMXBean t = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (ThreadInfo info : t.getThreadInfo(t.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("emu-")) {
        long c = t.getThreadCpuTime(info.getThreadId());
        if (c > 0) {
          sum += c;
        }
      }
    }
    return sum;
  }

  /** Keeps {@code depth} reads in flight until {@code total} have completed. Allocation free. */
  static final class Pump implements IoCompletion {
    private final NamespaceHandle ns;
    private final MemoryBlock buffer;
    private final int cpu;
    private final int depth;
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger issued = new AtomicInteger();
    private volatile int total;
    private volatile Thread waiter;
    private volatile NvmeException failure;

    /** Reads into {@code depth} 4 KiB slots of {@code buffer} on CPU slot {@code cpu}'s queue. */
    Pump(NamespaceHandle ns, MemoryBlock buffer, int cpu, int depth) {
      this.ns = ns;
      this.buffer = buffer;
      this.cpu = cpu;
      this.depth = depth;
    }

    void run(int n) throws NvmeException {
      start(n);
      await();
    }

    /** Issues the first {@code depth} of {@code n} reads; completions issue the rest. */
    void start(int n) {
      completed.set(0);
      issued.set(0);
      total = n;
      waiter = Thread.currentThread();
      for (int i = 0; i < depth && i < n; i++) {
        issue(i);
      }
    }

    /** Waits until all reads of {@link #start} completed. */
    void await() throws NvmeException {
      while (completed.get() < total) {
        LockSupport.park(this);
      }
      if (failure != null) {
        throw failure;
      }
    }

    private void issue(int slot) {
      int i = issued.getAndIncrement();
      if (i < total) {
        ns.submitRead(cpu, (long) i * BLOCKS, BLOCKS, buffer, (long) slot * BLOCKS * 512, this,
            slot);
      }
    }

    @Override
    public void completed(long context, NvmeException error) {
      if (error != null) {
        failure = error;
      }
      issue((int) context);
      if (completed.incrementAndGet() >= total) {
        LockSupport.unpark(waiter);
      }
    }
  }
}
