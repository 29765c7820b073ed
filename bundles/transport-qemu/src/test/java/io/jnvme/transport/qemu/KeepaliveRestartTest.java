package io.jnvme.transport.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keepalive across a JVM restart on QEMU's controller: driver process A and driver process B are
 * separate JVMs ({@link KeepaliveChild}); QEMU belongs to this test JVM and outlives both. Each
 * test checks the data and that the controller was never reset: CC and CSTS as A left them, the
 * same I/O queue ids, and no CC.EN 1 to 0 through the transport (the count lives in guest RAM).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KeepaliveRestartTest {
  @TempDir Path state;

  @BeforeAll
  static void qemuInstalled() {
    QemuTestSupport.requireQemu();
  }

  private static QemuConfig config(String prefix) {
    return QemuTestSupport.config(prefix,
        List.of(QemuNamespace.temporary(1, 128L << 20, 512)));
  }

  /** A saves and exits; B restores from the state directory and goes on with the same queues. */
  @RepeatedTest(5)
  void savedStateCarriesTheQueuesIntoTheNextJvm() throws Exception {
    try (QemuInstance qemu = QemuInstance.launch(config("ka-save"))) {
      Child a = Child.start("save", qemu.runDirectory(), state);
      a.awaitExit(60);
      Child b = Child.start("restore", qemu.runDirectory(), state);
      b.awaitExit(60);
      Properties pa = KeepaliveChild.read(state.resolve("a.properties"));
      Properties pb = KeepaliveChild.read(state.resolve("b.properties"));
      assertNeverReset(qemu, pa, pb);
    }
  }

  /**
   * A is killed with SIGKILL in the middle of queue-depth-8 writes; B recovers following QEMU.md
   * §12 and finds every acknowledged write.
   */
  @RepeatedTest(5)
  void sigkillMidIoLosesNoAcknowledgedWrite() throws Exception {
    try (QemuInstance qemu = QemuInstance.launch(config("ka-kill"))) {
      Child a = Child.start("loop", qemu.runDirectory(), state);
      List<Long> acks = new ArrayList<>();
      try {
        a.await("READY", 60);
        // Kill at a different point every time: after 200 to 1200 acknowledged writes.
        int killAfter = 200 + new Random().nextInt(1000);
        a.await(line -> line.startsWith("ACK ") && a.count("ACK ") >= killAfter, 60);
      } finally {
        a.process.destroyForcibly(); // SIGKILL
        a.process.waitFor(30, TimeUnit.SECONDS);
      }
      a.drain();
      for (String l : a.lines()) {
        if (l.startsWith("ERR ")) {
          fail("A saw a failed write: " + l);
        }
        if (l.startsWith("ACK ")) {
          acks.add(Long.parseLong(l.substring(4).trim()));
        }
      }
      assertTrue(acks.size() >= 200, "acknowledged writes before the kill: " + acks.size());
      StringBuilder sb = new StringBuilder();
      acks.forEach(n -> sb.append(n).append('\n'));
      Files.writeString(state.resolve("acks.txt"), sb);

      Child b = Child.start("recover", qemu.runDirectory(), state);
      b.awaitExit(90);
      Properties pa = KeepaliveChild.read(state.resolve("a.properties"));
      Properties pb = KeepaliveChild.read(state.resolve("b.properties"));
      assertNeverReset(qemu, pa, pb);
      assertTrue(b.lines().stream().anyMatch(l -> l.startsWith("VERIFIED acked=" + acks.size())),
          String.join("\n", b.lines()));
      System.out.println("[jnvme] killed A after " + acks.size() + " acknowledged writes; B: "
          + String.join("; ", b.lines()));
    }
  }

  private static void assertNeverReset(QemuInstance qemu, Properties a, Properties b)
      throws QemuException {
    assertEquals(a.getProperty("cc"), b.getProperty("cc"), "CC");
    assertEquals(a.getProperty("csts"), b.getProperty("csts"), "CSTS");
    assertEquals(a.getProperty("qids"), b.getProperty("qids"), "I/O queue ids");
    assertEquals("restored", b.getProperty("lastStart"));
    assertEquals("0", a.getProperty("resets"));
    assertEquals("0", b.getProperty("resets"), "no reset through the transport");
    assertEquals("1", b.getProperty("enables"), "enabled once, by A");
    // B shut the controller down in order at the end; still no reset.
    try (QemuMachine m = QemuMachine.attach(qemu)) {
      assertEquals(0, m.resetCount());
    }
  }

  /** One driver JVM with its output collected. */
  static final class Child {
    final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;
    private final Path log;

    private Child(Process process, Path log) {
      this.process = process;
      this.log = log;
      this.reader = new Thread(this::read, "child-output");
      reader.setDaemon(true);
      reader.start();
    }

    static Child start(String mode, Path run, Path state) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Xshare:auto");
      cmd.add("-XX:+UseSerialGC");
      cmd.add("-Xmx128m");
      cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
      cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(KeepaliveChild.class.getName());
      cmd.add(mode);
      cmd.add(run.toString());
      cmd.add(state.toString());
      Path log = state.resolve(mode + ".log");
      Process p = new ProcessBuilder(cmd)
          .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
      return new Child(p, log);
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
        // Killed: what was read is kept.
      }
    }

    List<String> lines() {
      synchronized (lines) {
        return new ArrayList<>(lines);
      }
    }

    int count(String prefix) {
      synchronized (lines) {
        int n = 0;
        for (String l : lines) {
          if (l.startsWith(prefix)) {
            n++;
          }
        }
        return n;
      }
    }

    void await(String line, long seconds) throws Exception {
      await(l -> l.equals(line), seconds);
    }

    void await(java.util.function.Predicate<String> p, long seconds) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      synchronized (lines) {
        while (true) {
          for (String l : lines) {
            if (p.test(l)) {
              return;
            }
          }
          long rem = deadline - System.nanoTime();
          if (rem <= 0 || (!process.isAlive() && !reader.isAlive())) {
            fail("child did not get there (alive=" + process.isAlive() + "); log:\n" + log());
          }
          lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(rem, 200_000_000L))));
        }
      }
    }

    /** Waits for the output to end (after the process ended). */
    void drain() throws InterruptedException {
      reader.join(10_000);
    }

    void awaitExit(long seconds) throws Exception {
      try {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
          fail("child did not exit in " + seconds + " s; log:\n" + log());
        }
        drain();
        if (process.exitValue() != 0) {
          fail("child exited with " + process.exitValue() + "; output:\n"
              + String.join("\n", lines()) + "\nlog:\n" + log());
        }
      } finally {
        process.destroyForcibly();
      }
    }

    String log() {
      try {
        String s = Files.readString(log);
        return s.length() > 20_000 ? s.substring(s.length() - 20_000) : s;
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }
  }
}
