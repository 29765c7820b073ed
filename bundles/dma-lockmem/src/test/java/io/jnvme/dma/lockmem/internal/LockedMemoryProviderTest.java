package io.jnvme.dma.lockmem.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.device.DmaException;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.lockmem.internal.jna.JnaNativeMemory;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LockedMemoryProviderTest {
  private static final NativeMemory LIBC = JnaNativeMemory.load();

  private final CountingNativeMemory nativeMemory = new CountingNativeMemory(LIBC);
  private final LockedMemoryProvider provider = new LockedMemoryProvider(nativeMemory);
  private final DmaClient client = provider.clientFor("test0");

  @Test
  void describesItself() throws Exception {
    assertEquals("lockmem", provider.name());
    assertFalse(provider.persistent());
    assertEquals("lockmem", client.allocatorName());
    assertFalse(client.persistent());
    assertEquals(List.of(), client.attachPending());
  }

  @Test
  void allocatesWholePagesAndReadsBackWhatWasWritten() throws Exception {
    try (MemoryBlock b = client.allocate(10_000, "data")) {
      assertEquals(3 * MemoryBlock.PAGE_SIZE, b.size());
      assertEquals(3, b.pageCount());
      assertEquals("data", b.tag());
      assertEquals("lockmem", b.allocatorName());
      assertFalse(b.persistent());
      ByteBuffer buf = b.buffer();
      assertTrue(buf.isDirect());
      assertEquals(ByteOrder.LITTLE_ENDIAN, buf.order());
      assertEquals(0, buf.position());
      assertEquals(b.size(), buf.limit());

      for (long o = 0; o < b.size(); o += 8) {
        b.putLong(o, o * 0x9E3779B97F4A7C15L);
      }
      for (long o = 0; o < b.size(); o += 8) {
        assertEquals(o * 0x9E3779B97F4A7C15L, b.getLong(o));
      }
      b.putInt(0, 0x11223344);
      assertEquals(0x44, b.getByte(0)); // little endian
      b.putIntRelease(4096, 7);
      assertEquals(7, b.getIntAcquire(4096));
      assertEquals(1, provider.lockedBytes() / b.size());
    }
    assertEquals(0, provider.lockedBytes());
  }

  @Test
  void deviceAddressesArePageAlignedDistinctAndIdentity() throws Exception {
    List<MemoryBlock> blocks = new ArrayList<>();
    try {
      Set<Long> pages = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        MemoryBlock b = client.allocate(5 * MemoryBlock.PAGE_SIZE, "b" + i);
        blocks.add(b);
        assertTrue(b.contiguous());
        for (int p = 0; p < b.pageCount(); p++) {
          long a = b.deviceAddress(p);
          assertEquals(0, a & (MemoryBlock.PAGE_SIZE - 1), "page aligned: 0x" + Long.toHexString(a));
          assertNotEquals(0, a);
          assertTrue(pages.add(a), "distinct: 0x" + Long.toHexString(a));
        }
        assertEquals(b.deviceAddress(1) + 123, b.deviceAddressOf(MemoryBlock.PAGE_SIZE + 123));
      }
      // Identity IOVA: a byte written through the device address is seen through the buffer.
      MemoryBlock b = blocks.get(2);
      ByteBuffer alias = LIBC.view(b.deviceAddress(3), MemoryBlock.PAGE_SIZE);
      alias.put(17, (byte) 0x5A);
      assertEquals(0x5A, b.getByte(3L * MemoryBlock.PAGE_SIZE + 17));
      assertThrows(IndexOutOfBoundsException.class, () -> blocks.get(0).deviceAddress(5));
      assertThrows(IndexOutOfBoundsException.class, () -> blocks.get(0).deviceAddress(-1));
    } finally {
      blocks.forEach(MemoryBlock::close);
    }
  }

  @Test
  void freshBlocksAreZeroedEvenWhenTheAddressIsReused() throws Exception {
    int size = 1 << 20;
    long first;
    try (MemoryBlock b = client.allocate(size, "dirty")) {
      assertAllZero(b);
      first = b.deviceAddress(0);
      for (long o = 0; o < size; o += 8) {
        b.putLong(o, -1L);
      }
    }
    try (MemoryBlock b = client.allocate(size, "again")) {
      // The kernel often hands back the same range; either way it must read as zeroes.
      assertAllZero(b);
      System.out.println("address reused: " + (b.deviceAddress(0) == first));
    }
  }

  @Test
  void closingTwiceOrConcurrentlyUnmapsExactlyOnce() throws Exception {
    MemoryBlock b = client.allocate(8192, "twice");
    b.close();
    b.close();
    assertEquals(1, nativeMemory.munlocks.get());
    assertEquals(1, nativeMemory.munmaps.get());
    IllegalStateException e = assertThrows(IllegalStateException.class, b::buffer);
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> b.getInt(0));
    assertTrue(b.toString().contains("closed"));

    MemoryBlock c = client.allocate(8192, "race");
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Thread t = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
        c.close();
      });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(10_000);
    }
    assertEquals(2, nativeMemory.munmaps.get());
    assertEquals(0, provider.lockedBytes());
  }

  @Test
  void aBlockDroppedWithoutCloseIsFreedByTheCleaner() throws Exception {
    allocateAndDrop();
    assertEquals(0, nativeMemory.munmaps.get());
    // Bounded wait on the cleaner, no sleeping: each round asks for a collection and then waits
    // for the munmap signal.
    for (int i = 0; i < 100 && nativeMemory.firstMunmap.getCount() > 0; i++) {
      System.gc();
      nativeMemory.firstMunmap.await(100, TimeUnit.MILLISECONDS);
    }
    assertEquals(1, nativeMemory.munmaps.get(), "cleaner freed the dropped block");
    assertEquals(0, provider.lockedBytes());
  }

  private void allocateAndDrop() throws DmaException {
    client.allocate(4096, "dropped").putInt(0, 1);
  }

  @Test
  void rejectsBadSizesAndWithdrawnAllocations() throws Exception {
    DmaException zero = assertThrows(DmaException.class, () -> client.allocate(0, "z"));
    assertTrue(zero.getMessage().contains("size=0"), zero.getMessage());
    assertThrows(DmaException.class, () -> client.allocate(-1, "n"));
    assertThrows(DmaException.class, () -> client.allocate(1L << 40, "huge"));
    assertEquals(0, nativeMemory.mmaps.get());

    MemoryBlock kept = client.allocate(4096, "kept");
    provider.withdraw();
    DmaException w = assertThrows(DmaException.class, () -> client.allocate(4096, "late"));
    assertTrue(w.getMessage().contains("withdrawn"), w.getMessage());
    kept.putInt(0, 42); // blocks handed out before stay usable
    assertEquals(42, kept.getInt(0));
    kept.close();
  }

  @Test
  void mlockFailureNamesTheLimitItsValueAndTheSize() throws Exception {
    nativeMemory.failMlockWith = NativeCallException.ENOMEM;
    DmaException e = assertThrows(DmaException.class, () -> client.allocate(12_345, "ioq1"));
    String m = e.getMessage();
    assertTrue(m.contains("RLIMIT_MEMLOCK"), m);
    assertTrue(m.contains("size=12345"), m);
    assertTrue(m.contains("locking 16384 bytes"), m);
    assertTrue(m.contains("ENOMEM(12)"), m);
    assertTrue(m.contains("device=test0") && m.contains("tag=ioq1"), m);
    // The limit in the message is the real one (getrlimit), checked against /proc.
    String[] limits = procMemlockLimits();
    assertTrue(m.contains("soft=" + limits[0]) && m.contains("hard=" + limits[1]),
        m + " vs /proc/self/limits " + String.join("/", limits));
    // The mapping made before the failed mlock was given back.
    assertEquals(1, nativeMemory.mmaps.get());
    assertEquals(1, nativeMemory.munmaps.get());
    assertEquals(0, provider.lockedBytes());

    nativeMemory.failMlockWith = NativeCallException.EPERM;
    DmaException p = assertThrows(DmaException.class, () -> client.allocate(4096, "admin"));
    assertTrue(p.getMessage().contains("EPERM(1)") && p.getMessage().contains("RLIMIT_MEMLOCK"));
  }

  /** "Max locked memory" soft and hard from /proc/self/limits, as the message prints them. */
  private static String[] procMemlockLimits() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
      if (line.startsWith("Max locked memory")) {
        String[] f = line.substring("Max locked memory".length()).trim().split("\\s+");
        return new String[] {render(f[0]), render(f[1])};
      }
    }
    throw new AssertionError("no Max locked memory line");
  }

  private static String render(String procValue) {
    return procValue.equals("unlimited") ? "unlimited" : procValue + " bytes";
  }

  /**
   * The real thing: a child JVM under {@code prlimit --memlock=64 KiB} asks for 1 MiB. As root,
   * CAP_IPC_LOCK (which bypasses the limit) is first dropped with setpriv.
   */
  @Test
  void realMlockFailureInAChildJvmUnderASmallLimit() throws Exception {
    String prlimit = which("prlimit");
    assumeTrue(prlimit != null, "prlimit not installed");
    List<String> cmd = new ArrayList<>();
    if (isRoot()) {
      String setpriv = which("setpriv");
      assumeTrue(setpriv != null, "running as root without setpriv to drop CAP_IPC_LOCK");
      List<String> drop = List.of(setpriv, "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock");
      assumeTrue(run(concat(drop, List.of("true"))).exitCode == 0, "setpriv cannot drop caps");
      cmd.addAll(drop);
    }
    cmd.addAll(List.of(prlimit, "--memlock=65536:65536",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        MlockLimitProbe.class.getName(), Integer.toString(1 << 20)));
    Result r = run(cmd);
    assertEquals(3, r.exitCode, r.output);
    assertTrue(r.output.contains("DMAEXCEPTION"), r.output);
    assertTrue(r.output.contains("RLIMIT_MEMLOCK soft=65536 bytes hard=65536 bytes"), r.output);
    assertTrue(r.output.contains("size=1048576"), r.output);
    assertTrue(r.output.contains("mlock failed errno="), r.output);

    // And the same child is fine with a request under the limit.
    cmd.set(cmd.size() - 1, "8192");
    Result ok = run(cmd);
    assertEquals(0, ok.exitCode, ok.output);
    assertTrue(ok.output.contains("OK 8192"), ok.output);
  }

  @Test
  void serviceLoaderFindsTheProvider() {
    List<String> names = new ArrayList<>();
    for (DmaClientProvider p : ServiceLoader.load(DmaClientProvider.class)) {
      names.add(p.getClass().getName() + ":" + p.name());
    }
    assertEquals(List.of(LockedMemoryProvider.class.getName() + ":lockmem"), names);
  }

  private static void assertAllZero(MemoryBlock b) {
    for (long o = 0; o < b.size(); o += 8) {
      if (b.getLong(o) != 0) {
        throw new AssertionError("not zero at offset " + o);
      }
    }
  }

  private static boolean isRoot() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("Uid:")) {
        return line.split("\\s+")[2].equals("0"); // effective uid
      }
    }
    return false;
  }

  private static String which(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      File f = new File(dir, name);
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
      File f = new File(dir, name);
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    return null;
  }

  private record Result(int exitCode, String output) {}

  private static Result run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timeout: " + cmd + "\n" + out);
    }
    return new Result(p.exitValue(), out);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> r = new ArrayList<>(a);
    r.addAll(b);
    return r;
  }
}
