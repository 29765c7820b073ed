package io.jnvme.transport.qemu;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.IoQueueInfo;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.driver.savestate.SavedStateCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The driver processes of {@link KeepaliveRestartTest}, one JVM each. Arguments:
 * {@code mode runDirectory stateDirectory}.
 *
 * <ul>
 *   <li>{@code save}: JVM A. Starts the driver with keepalive, creates both I/O queues, writes
 *       {@value #SYNC_WRITES} blocks, submits {@value #ASYNC_WRITES} more and saves at once (some
 *       still in flight), writes the state to {@code state.bin}, releases, exits.
 *   <li>{@code restore}: JVM B after {@code save}: restores from {@code state.bin} without a reset,
 *       checks every block of A, goes on writing on the same queues.
 *   <li>{@code loop}: JVM A to be killed. Starts the driver, creates both queues, takes a
 *       checkpoint ({@code save} then {@code resumeAfterSave}) into {@code checkpoint.bin}, prints
 *       {@code READY}, then writes block after block at queue depth {@value #QD} over both queues
 *       and prints {@code ACK <n>} for each write that completed, until it is killed.
 *   <li>{@code recover}: JVM B after the kill: {@link QemuMachine#recover} (QEMU.md §12), the
 *       checkpoint patched with the recovered ring positions, restore without a reset; checks
 *       every acknowledged block (listed in {@code acks.txt}) and that no block is torn, then goes
 *       on writing on the same queues.
 * </ul>
 *
 * <p>Write {@code n} goes to LBA {@code 8n} (4 KiB) with a pattern that names {@code n}. What A
 * saw of the controller (CC, CSTS, queue ids) is in {@code a.properties}; B compares.
 */
public final class KeepaliveChild {
  static final int SYNC_WRITES = 64;
  static final int ASYNC_WRITES = 32;
  static final int QD = 8;
  private static final long WAIT_SECONDS = 30;

  private KeepaliveChild() {}

  static ControllerOptions options() {
    return ControllerOptions.defaults("nvme0")
        .withKeepalive(true)
        .withCpuCount(2)
        .withMaxIoQueues(2)
        .withCommandTimeout(Duration.ofSeconds(20))
        .withHealthCheckInterval(Duration.ofMillis(50));
  }

  /** Word {@code w} of the 4 KiB written by write {@code n}: never zero for the first word. */
  static long pattern(long n, int w) {
    return ((n + 1) << 24) ^ (w * 0x9E37_79B9_7F4A_7C15L);
  }

  public static void main(String[] args) throws Exception {
    // Never outlive the test JVM, even if it is killed outright.
    ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime()
        .halt(3)));
    Path run = Path.of(args[1]);
    Path state = Path.of(args[2]);
    switch (args[0]) {
      case "save" -> save(run, state);
      case "restore" -> restore(run, state);
      case "loop" -> loop(run, state);
      case "recover" -> recover(run, state);
      default -> throw new IllegalArgumentException(args[0]);
    }
    System.out.println("DONE");
    System.out.flush();
    // Daemon threads of the driver end with the JVM.
    System.exit(0);
  }

  // ------------------------------------------------------------------ JVM A, clean

  private static void save(Path run, Path state) throws Exception {
    QemuMachine m = QemuMachine.attach(run);
    NvmeController c = new DriverFactory().start(m.device(), m.dmaClient(), options());
    NamespaceHandle h = c.open(1, "jvm-a");
    MemoryBlock buf = c.allocateBuffer((SYNC_WRITES + ASYNC_WRITES) * 4096L);
    for (int n = 0; n < SYNC_WRITES + ASYNC_WRITES; n++) {
      fill(buf, n * 4096L, n);
    }
    for (int n = 0; n < SYNC_WRITES; n++) {
      h.write(8L * n, 8, buf, n * 4096L, false);
    }
    for (int n = SYNC_WRITES; n < SYNC_WRITES + ASYNC_WRITES; n++) {
      h.submitWrite(n % 2, 8L * n, 8, buf, n * 4096L, false, (ctx, e) -> { }, n);
    }
    ControllerSavedState st = c.save();
    recordA(m, c, state, st.pendingIoCommands());
    write(state.resolve("state.bin"), SavedStateCodec.encode(st));
    c.release();
    m.close();
  }

  // ------------------------------------------------------------------ JVM B, clean

  private static void restore(Path run, Path state) throws Exception {
    Properties a = read(state.resolve("a.properties"));
    QemuMachine m = QemuMachine.attach(run);
    check(m.cc() == Integer.parseInt(a.getProperty("cc")), "CC unchanged before restore");
    check(m.csts() == Integer.parseInt(a.getProperty("csts")), "CSTS unchanged before restore");
    ControllerSavedState st = SavedStateCodec.decode(Files.readAllBytes(
        state.resolve("state.bin")));
    NvmeController c = new DriverFactory().restore(m.device(), m.dmaClient(), options(), st);
    check("restored".equals(c.status().lastStart()), "restored, not " + c.status().lastStart());
    checkQueues(c, a);
    NamespaceHandle h = c.open(1, "jvm-b");
    // A's writes, also those still in flight when it saved: the drain barrier lets this read
    // go only after they completed.
    verifyWritten(c, h, allOf(SYNC_WRITES + ASYNC_WRITES), SYNC_WRITES + ASYNC_WRITES);
    goOn(c, h, SYNC_WRITES + ASYNC_WRITES, a);
    recordB(m, c, state);
    c.close();
    m.close();
  }

  // ------------------------------------------------------------------ JVM A, killed

  private static void loop(Path run, Path state) throws Exception {
    QemuMachine m = QemuMachine.attach(run);
    NvmeController c = new DriverFactory().start(m.device(), m.dmaClient(), options());
    NamespaceHandle h = c.open(1, "jvm-a");
    MemoryBlock buf = c.allocateBuffer(QD * 4096L);
    // Both I/O queues exist before the checkpoint: recovery needs the queues it names.
    h.read(0, 8, buf, 0);
    CountDownLatch second = new CountDownLatch(1);
    h.submitRead(1, 0, 8, buf, 0, (ctx, e) -> second.countDown(), 0);
    second.await(WAIT_SECONDS, TimeUnit.SECONDS);
    ControllerSavedState cp = c.save();
    write(state.resolve("checkpoint.bin"), SavedStateCodec.encode(cp));
    c.resumeAfterSave();
    recordA(m, c, state, 0);
    PrintStream out = System.out;
    out.println("READY");
    ArrayBlockingQueue<Integer> free = new ArrayBlockingQueue<>(QD);
    for (int s = 0; s < QD; s++) {
      free.add(s);
    }
    long max = h.blockCount() / 8;
    for (long n = 0; n < max; n++) {
      int slot = free.take();
      fill(buf, slot * 4096L, n);
      long ctx = (n << 8) | slot;
      h.submitWrite((int) (n % 2), 8 * n, 8, buf, slot * 4096L, false, (x, e) -> {
        if (e == null) {
          out.println("ACK " + (x >>> 8));
        } else {
          out.println("ERR " + (x >>> 8) + " " + e.getMessage());
        }
        free.add((int) (x & 0xFF));
      }, ctx);
    }
    out.println("END");
    TimeUnit.MINUTES.sleep(5);
  }

  // ------------------------------------------------------------------ JVM B, after the kill

  /**
   * The driver's save stamp as the controller's memory holds it: the driver keeps it in the
   * second page of its admin data block; guest RAM is the pool file, device address = offset.
   */
  private static long memoryStamp(QemuMachine m, long adminDataAddress) throws Exception {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(m.pool().file())) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8)
          .order(java.nio.ByteOrder.LITTLE_ENDIAN);
      ch.read(b, adminDataAddress + 4096);
      return b.getLong(0);
    }
  }

  private static void recover(Path run, Path state) throws Exception {
    Properties a = read(state.resolve("a.properties"));
    Set<Long> acked = Files.readAllLines(state.resolve("acks.txt")).stream()
        .filter(l -> !l.isBlank()).map(Long::parseLong).collect(Collectors.toCollection(
            TreeSet::new));
    QemuMachine m = QemuMachine.attach(run);
    check(m.cc() == Integer.parseInt(a.getProperty("cc")), "CC unchanged after the kill");
    check(m.csts() == Integer.parseInt(a.getProperty("csts")), "CSTS unchanged after the kill");
    RecoveryReport report = m.recover(Duration.ofSeconds(WAIT_SECONDS));
    System.out.println("RECOVERED drained=" + report.drained() + " stale=" + report.stale()
        + " rolledBack=" + report.rolledBack() + " queues=" + report.queues().size());
    ControllerSavedState cp = SavedStateCodec.decode(Files.readAllBytes(
        state.resolve("checkpoint.bin")));
    ControllerSavedState st = CheckpointRecovery.patch(cp, report,
        memoryStamp(m, cp.adminData().deviceAddress()));
    NvmeController c = new DriverFactory().restore(m.device(), m.dmaClient(), options(), st);
    check("restored".equals(c.status().lastStart()), "restored, not " + c.status().lastStart());
    checkQueues(c, a);
    NamespaceHandle h = c.open(1, "jvm-b");
    long top = acked.isEmpty() ? 0 : ((TreeSet<Long>) acked).last() + 1;
    verifyWritten(c, h, acked, top + 2L * QD);
    System.out.println("VERIFIED acked=" + acked.size() + " upTo=" + top);
    goOn(c, h, top + 4L * QD, a);
    recordB(m, c, state);
    c.close();
    m.close();
  }

  // ------------------------------------------------------------------ shared

  /**
   * Reads writes {@code 0 .. upTo-1}: every one in {@code mustHold} has its pattern, every other
   * one has its pattern or was never written (zeros); nothing is torn or foreign.
   */
  private static void verifyWritten(NvmeController c, NamespaceHandle h, Set<Long> mustHold,
      long upTo) throws Exception {
    int chunk = 64;
    MemoryBlock b = c.allocateBuffer(chunk * 4096L);
    for (long first = 0; first < upTo; first += chunk) {
      int n = (int) Math.min(chunk, upTo - first);
      b.zero(0, b.size());
      h.read(8 * first, 8 * n, b, 0);
      for (int i = 0; i < n; i++) {
        long w = first + i;
        boolean pattern = true;
        boolean zero = true;
        for (int word = 0; word < 512; word++) {
          long v = b.getLong(i * 4096L + word * 8L);
          pattern &= v == pattern(w, word);
          zero &= v == 0;
        }
        if (mustHold.contains(w)) {
          check(pattern, "acknowledged write " + w + " (LBA " + 8 * w + ") lost");
        } else {
          check(pattern || zero, "write " + w + " (LBA " + 8 * w + ") is torn or foreign");
        }
      }
    }
    b.close();
  }

  /** More writes on both queues, read back; the queue ids did not change. */
  private static void goOn(NvmeController c, NamespaceHandle h, long from, Properties a)
      throws Exception {
    MemoryBlock b = c.allocateBuffer(32 * 4096L);
    CountDownLatch done = new CountDownLatch(32);
    AtomicReference<String> error = new AtomicReference<>();
    for (int i = 0; i < 32; i++) {
      long n = from + i;
      fill(b, i * 4096L, n);
      h.submitWrite(i % 2, 8 * n, 8, b, i * 4096L, false, (x, e) -> {
        if (e != null) {
          error.set(e.getMessage());
        }
        done.countDown();
      }, i);
    }
    check(done.await(WAIT_SECONDS, TimeUnit.SECONDS), "writes after the take-over completed");
    check(error.get() == null, "writes after the take-over: " + error.get());
    Set<Long> mine = new TreeSet<>();
    for (int i = 0; i < 32; i++) {
      mine.add(from + i);
    }
    b.zero(0, b.size());
    h.read(8 * from, 8 * 32, b, 0);
    for (int i = 0; i < 32; i++) {
      for (int word = 0; word < 512; word++) {
        check(b.getLong(i * 4096L + word * 8L) == pattern(from + i, word),
            "write " + (from + i) + " after the take-over");
      }
    }
    checkQueues(c, a);
    for (IoQueueInfo q : c.status().ioQueues()) {
      check(q.completed() > 0, "queue " + q.qid() + " served I/O after the take-over");
    }
  }

  private static void checkQueues(NvmeController c, Properties a) {
    String qids = qids(c);
    check(qids.equals(a.getProperty("qids")), "queue ids " + qids + ", A had "
        + a.getProperty("qids"));
  }

  private static String qids(NvmeController c) {
    List<Integer> q = c.status().ioQueues().stream().map(IoQueueInfo::qid).sorted().toList();
    return q.toString();
  }

  private static void recordA(QemuMachine m, NvmeController c, Path state, int pending)
      throws IOException {
    Properties p = new Properties();
    p.setProperty("cc", Integer.toString(m.cc()));
    p.setProperty("csts", Integer.toString(m.csts()));
    p.setProperty("qids", qids(c));
    p.setProperty("pendingIo", Integer.toString(pending));
    p.setProperty("resets", Long.toString(m.resetCount()));
    p.setProperty("enables", Long.toString(m.enableCount()));
    p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
    store(p, state.resolve("a.properties"));
  }

  private static void recordB(QemuMachine m, NvmeController c, Path state) throws IOException {
    Properties p = new Properties();
    p.setProperty("cc", Integer.toString(m.cc()));
    p.setProperty("csts", Integer.toString(m.csts()));
    p.setProperty("qids", qids(c));
    p.setProperty("resets", Long.toString(m.resetCount()));
    p.setProperty("enables", Long.toString(m.enableCount()));
    p.setProperty("lastStart", c.status().lastStart());
    store(p, state.resolve("b.properties"));
  }

  private static Set<Long> allOf(long n) {
    Set<Long> s = new TreeSet<>();
    for (long i = 0; i < n; i++) {
      s.add(i);
    }
    return s;
  }

  private static void fill(MemoryBlock b, long offset, long n) {
    for (int w = 0; w < 512; w++) {
      b.putLong(offset + w * 8L, pattern(n, w));
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }

  static Properties read(Path p) throws IOException {
    Properties props = new Properties();
    try (var in = Files.newInputStream(p)) {
      props.load(in);
    }
    return props;
  }

  private static void store(Properties p, Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream o = Files.newOutputStream(tmp)) {
      p.store(o, null);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
