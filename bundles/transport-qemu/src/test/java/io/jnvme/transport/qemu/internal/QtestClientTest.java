package io.jnvme.transport.qemu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The qtest client against a scripted stand-in for QEMU's qtest server. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QtestClientTest {
  @TempDir Path dir;
  private FakeQtest server;

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  /**
   * Serves one client: checks every line it receives as QEMU's parser would need it, and answers
   * with what {@code script} returns for the line (null: no answer at all).
   */
  static final class FakeQtest implements AutoCloseable {
    final Path path;
    final ServerSocketChannel server;
    final List<String> received = new CopyOnWriteArrayList<>();
    final List<String> malformed = new CopyOnWriteArrayList<>();
    volatile SocketChannel client;
    private final Thread thread;

    FakeQtest(Path path, Function<String, String> script) throws IOException {
      this.path = path;
      this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(path));
      thread = new Thread(() -> serve(script), "fake-qtest");
      thread.setDaemon(true);
      thread.start();
    }

    private void serve(Function<String, String> script) {
      try (SocketChannel c = server.accept()) {
        client = c;
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
            StandardCharsets.US_ASCII));
        OutputStream out = Channels.newOutputStream(c);
        for (String line; (line = in.readLine()) != null; ) {
          byte[] raw = (line + "\n").getBytes(StandardCharsets.US_ASCII);
          if (QtestLine.check(raw, raw.length) != null) {
            malformed.add(line);
          }
          received.add(line);
          String answer = script.apply(line);
          if (answer != null) {
            out.write((answer + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
          }
        }
      } catch (IOException e) {
        // Closed.
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      SocketChannel c = client;
      if (c != null) {
        c.close();
      }
    }
  }

  private static String qemuLike(String line) {
    if (line.equals("endianness")) {
      return "OK little";
    }
    if (line.startsWith("read")) {
      return "OK 0x00000000deadbeef";
    }
    if (line.startsWith("in")) {
      return "OK 0x1b36";
    }
    return "OK";
  }

  private QtestClient connect(Function<String, String> script, Duration timeout)
      throws IOException {
    server = new FakeQtest(dir.resolve("q.sock"), script);
    return QtestClient.connect(server.path, Duration.ofSeconds(5), timeout);
  }

  @Test
  void readsValuesPostsWritesAndSendsOnlyWellFormedLines() throws Exception {
    try (QtestClient c = connect(QtestClientTest::qemuLike, Duration.ofSeconds(5))) {
      assertEquals(0xDEADBEEF, c.readl(0xE000_001CL));
      assertEquals(0xDEADBEEFL, c.readq(0));
      for (int i = 0; i < 2000; i++) {
        c.writel(0xE000_1000L, i);
      }
      assertEquals(0x1b36, c.inw(0xCFC));
      c.outl(0xCF8, 0x8000_2000);
      c.barrier();
      assertEquals(0, c.postedFailures());
      assertTrue(server.malformed.isEmpty(), server.malformed.toString());
      assertEquals("readl 0xe000001c", server.received.get(1));
      assertEquals("writel 0xe0001000 0x7cf", server.received.get(3 + 1999));
    }
  }

  @Test
  void irqLinesBeforeAResponseGoToTheListener() throws Exception {
    List<String> irqs = new CopyOnWriteArrayList<>();
    try (QtestClient c = connect(l -> l.startsWith("readl")
        ? "IRQ raise 21\nIRQ lower 21\nOK 0x0000000000000007" : qemuLike(l),
        Duration.ofSeconds(5))) {
      c.irqListener((n, up) -> irqs.add(n + (up ? "+" : "-")));
      assertEquals(7, c.readl(0x1000));
      assertEquals(List.of("21+", "21-"), irqs);
      assertEquals(2, c.irqLines());
    }
  }

  @Test
  void failAnswersFailTheRequestButNotTheConnection() throws Exception {
    try (QtestClient c = connect(l -> l.startsWith("readq") ? "FAIL Unknown command 'readq'"
        : l.startsWith("writel") ? "ERR too short" : qemuLike(l), Duration.ofSeconds(5))) {
      QtestException e = assertThrows(QtestException.class, () -> c.readq(0));
      assertTrue(e.getMessage().contains("FAIL Unknown command"), e.getMessage());
      c.writel(0, 1);
      c.barrier();
      assertEquals(1, c.postedFailures());
      assertTrue(c.usable());
      assertEquals(0xDEADBEEF, c.readl(0));
    }
  }

  @Test
  void noAnswerInTimeFailsTheConnectionForGood() throws Exception {
    try (QtestClient c = connect(l -> l.startsWith("readl 0x666") ? null : qemuLike(l),
        Duration.ofMillis(300))) {
      long t0 = System.nanoTime();
      QtestException e = assertThrows(QtestException.class, () -> c.readl(0x666));
      assertTrue(e.getMessage().contains("no answer within 300 ms"), e.getMessage());
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
      assertFalse(c.usable());
      assertThrows(QtestException.class, () -> c.readl(0));
      assertThrows(QtestException.class, () -> c.writel(0, 0));
    }
  }

  @Test
  void qemuClosingTheSocketFailsWaitersAtOnce() throws Exception {
    try (QtestClient c = connect(l -> l.startsWith("readl 0x1") ? null : qemuLike(l),
        Duration.ofSeconds(20))) {
      Thread closer = new Thread(() -> {
        try {
          TimeUnit.MILLISECONDS.sleep(200);
          server.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      closer.start();
      long t0 = System.nanoTime();
      assertThrows(QtestException.class, () -> c.readl(0x1));
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "failed at once");
      assertFalse(c.usable());
    }
  }

  @Test
  void aServerThatNeverAnswersTheProbeIsReportedAsBusy() throws Exception {
    server = new FakeQtest(dir.resolve("q.sock"), l -> null);
    QtestException e = assertThrows(QtestException.class,
        () -> QtestClient.connect(server.path, Duration.ofMillis(300), Duration.ofMillis(300)));
    assertTrue(e.getMessage().contains("one qtest client at a time"), e.getMessage());
  }

  @Test
  void anAnswerNobodyAskedForFailsTheConnection() throws Exception {
    try (QtestClient c = connect(l -> l.startsWith("readl") ? "OK 0x1\nOK 0x2" : qemuLike(l),
        Duration.ofSeconds(2))) {
      assertEquals(1, c.readl(0));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (c.usable() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertFalse(c.usable());
      assertTrue(c.failure().contains("unexpected qtest line"), c.failure());
    }
  }
}
