package io.jnvme.dma.pagepool.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Temporary pool directories and forked child JVMs for the page pool tests. */
final class PoolTestSupport {
  private PoolTestSupport() {}

  /** A fresh directory on tmpfs ({@code /dev/shm}) where there is one, else in java.io.tmpdir. */
  static Path newDirectory() throws IOException {
    Path shm = Path.of("/dev/shm");
    Path parent = Files.isDirectory(shm) && Files.isWritable(shm)
        ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    return Files.createTempDirectory(parent, "jnvme-pagepool-test-");
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A child JVM running {@link PoolChild} on the test class path, its output collected. */
  static final class Child implements AutoCloseable {
    final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    Child(String... args) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      // Start fast: these children live for a fraction of a second.
      cmd.add("-Xshare:auto");
      cmd.add("-XX:TieredStopAtLevel=1");
      cmd.add("-XX:+UseSerialGC");
      cmd.add("-Xmx64m");
      cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(PoolChild.class.getName());
      cmd.addAll(List.of(args));
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      reader = new Thread(this::read, "child-output");
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (lines) {
            lines.add(line);
            lines.notifyAll();
          }
        }
      } catch (IOException e) {
        // The child was killed; what was read is kept.
      }
    }

    /** Waits for an output line starting with {@code prefix} and returns it. */
    String await(String prefix, long timeoutMillis) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      synchronized (lines) {
        while (true) {
          for (String l : lines) {
            if (l.startsWith(prefix)) {
              return l;
            }
          }
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
            throw new AssertionError("child never printed \"" + prefix + "\"; exit="
                + (process.isAlive() ? "running" : process.exitValue()) + " output:\n"
                + String.join("\n", lines));
          }
          lines.wait(Math.min(left, 50));
        }
      }
    }

    /** Waits for the child to exit and returns its status. */
    int waitFor(long timeoutMillis) throws InterruptedException {
      if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("child did not exit; output:\n" + output());
      }
      reader.join(1000);
      return process.exitValue();
    }

    /** SIGKILL, as a crash would: no shutdown hooks, no finally blocks. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      reader.join(1000);
    }

    String output() {
      synchronized (lines) {
        return String.join("\n", lines);
      }
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        kill();
      }
    }
  }
}
