package io.jnvme.transport.qemu.internal;

import io.jnvme.transport.qemu.internal.QtestLine.Command;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of QEMU's qtest socket ({@code -qtest unix:PATH,server=on,wait=off}).
 *
 * <p>The protocol (QEMU 7.2 {@code softmmu/qtest.c}): one request per line, exactly one response
 * line per request in request order ({@code OK}, {@code OK <value>}, {@code FAIL <text>},
 * {@code ERR <text>}), and asynchronous {@code IRQ raise N} / {@code IRQ lower N} lines that may
 * come before any response. This client:
 *
 * <ul>
 *   <li>makes every line with {@link QtestLine} and checks it before sending; a line that fails
 *       the check is never sent (a malformed line aborts QEMU);
 *   <li>sends each line with one write from one buffer, under one lock, so that lines of
 *       different threads never interleave and the order of the pending-response ring is the
 *       order on the wire;
 *   <li>runs one reader thread that always drains the socket: it hands values to waiting
 *       requests, checks the {@code OK} of posted writes, and passes IRQ lines to a listener. QEMU
 *       writes responses with a blocking write-all, so a client that stops reading would stall
 *       the emulator's main loop;
 *   <li>posts memory writes (doorbells): the writer does not wait for the {@code OK}. The order
 *       QEMU executes requests in is the order they were sent, so a later read still sees every
 *       earlier write, as with posted MMIO writes on PCIe. At most {@value #WINDOW} requests are
 *       outstanding, which keeps each line's write far below the socket buffer, so a write is
 *       never cut short (a fragment left in QEMU's input buffer would be glued to the next
 *       client's first line);
 *   <li>bounds every wait for an answer; no answer in time, an unexpected line or a closed socket
 *       fail the connection for good ({@link QtestException}), and every waiting request with it.
 * </ul>
 *
 * <p>QEMU serves one client at a time: while another client is connected, a new connection is
 * accepted by the kernel but gets no answer. {@link #connect} therefore probes with
 * {@code endianness} and reports a missing answer as exactly that.
 */
public final class QtestClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QtestClient.class);
  /** Requests outstanding at most: posted writes plus the waited-for request. */
  static final int WINDOW = 256;
  private static final byte[] OK = "OK".getBytes(StandardCharsets.US_ASCII);

  private final Path path;
  private final SocketChannel channel;
  private final long responseTimeoutNanos;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final byte[] line = new byte[QtestLine.MAX_LENGTH];
  private final ByteBuffer out = ByteBuffer.allocateDirect(QtestLine.MAX_LENGTH);
  /** Who waits for the response of each outstanding request; null for a posted write. */
  private final Waiter[] ring = new Waiter[WINDOW];
  /** Requests sent; written under {@link #writeLock}. */
  private volatile long tail;
  /** Responses consumed; written by the reader thread only. */
  private volatile long head;
  private volatile Thread spaceWaiter;
  private volatile String failure;
  private volatile boolean closing;
  private final Thread reader;
  private final ThreadLocal<Waiter> waiters = ThreadLocal.withInitial(Waiter::new);
  private final AtomicLong postedFailures = new AtomicLong();
  private final AtomicLong irqLines = new AtomicLong();
  private volatile BiConsumer<Integer, Boolean> irqListener;

  private QtestClient(Path path, SocketChannel channel, Duration responseTimeout) {
    this.path = path;
    this.channel = channel;
    this.responseTimeoutNanos = responseTimeout.toNanos();
    this.reader = new Thread(this::readLoop, "qtest-reader-" + path.getFileName());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Connects to the qtest socket at {@code path}, waiting up to {@code connectTimeout} for it to
   * appear, and probes it with {@code endianness}.
   *
   * @throws QtestException if the socket does not appear, refuses, or gives no answer (another
   *     client holds it, or QEMU hangs)
   */
  public static QtestClient connect(Path path, Duration connectTimeout, Duration responseTimeout) {
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    IOException last = null;
    while (true) {
      if (Files.exists(path)) {
        SocketChannel ch = null;
        try {
          ch = SocketChannel.open(StandardProtocolFamily.UNIX);
          ch.connect(UnixDomainSocketAddress.of(path));
          QtestClient c = new QtestClient(path, ch, responseTimeout);
          ch = null;
          c.probe();
          return c;
        } catch (IOException e) {
          last = e;
        } finally {
          if (ch != null) {
            closeQuietly(ch);
          }
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new QtestException("qtest socket=" + path + ": cannot connect within "
            + connectTimeout.toMillis() + " ms" + (last != null ? ": " + last : " (no socket)"),
            last);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private void probe() {
    Waiter w = waiters.get();
    try {
      send(Command.ENDIANNESS, w);
      long v = w.await(this, responseTimeoutNanos);
      if (v != 1) {
        throw fail("endianness probe answered something other than 'OK little'");
      }
    } catch (QtestException e) {
      close();
      throw new QtestException("qtest socket=" + path + ": no answer to the readiness probe ("
          + e.getMessage() + "). QEMU serves one qtest client at a time: is another process"
          + " still connected?", e);
    }
  }

  /** The socket. */
  public Path path() {
    return path;
  }

  /** True until the connection failed or was closed. */
  public boolean usable() {
    return failure == null;
  }

  /** Why the connection failed, or null. */
  public String failure() {
    return failure;
  }

  /** Posted writes QEMU answered with something other than {@code OK}. */
  public long postedFailures() {
    return postedFailures.get();
  }

  /** {@code IRQ} lines received. */
  public long irqLines() {
    return irqLines.get();
  }

  /** Receives {@code IRQ raise N} (true) and {@code IRQ lower N} (false) on the reader thread. */
  public void irqListener(BiConsumer<Integer, Boolean> listener) {
    this.irqListener = listener;
  }

  // ------------------------------------------------------------------ requests

  public int readb(long address) {
    return (int) request(Command.READB, address);
  }

  public int readw(long address) {
    return (int) request(Command.READW, address);
  }

  public int readl(long address) {
    return (int) request(Command.READL, address);
  }

  public long readq(long address) {
    return request(Command.READQ, address);
  }

  /** Posted: returns once the line is sent. */
  public void writel(long address, int value) {
    post(Command.WRITEL, address, Integer.toUnsignedLong(value));
  }

  /** Posted: returns once the line is sent. */
  public void writeq(long address, long value) {
    post(Command.WRITEQ, address, value);
  }

  /** Posted: returns once the line is sent. */
  public void writew(long address, int value) {
    post(Command.WRITEW, address, value & 0xFFFF);
  }

  public int inb(int port) {
    return (int) request(Command.INB, port);
  }

  public int inw(int port) {
    return (int) request(Command.INW, port);
  }

  public int inl(int port) {
    return (int) request(Command.INL, port);
  }

  /** Waits for the {@code OK}: configuration cycles are not on any hot path. */
  public void outb(int port, int value) {
    request(Command.OUTB, port, value & 0xFF);
  }

  public void outw(int port, int value) {
    request(Command.OUTW, port, value & 0xFFFF);
  }

  public void outl(int port, int value) {
    request(Command.OUTL, port, Integer.toUnsignedLong(value));
  }

  /** Waits until QEMU has executed every request sent before. */
  public void barrier() {
    request(Command.ENDIANNESS);
  }

  private long request(Command c, long... args) {
    Waiter w = waiters.get();
    send(c, w, args);
    return w.await(this, responseTimeoutNanos);
  }

  private void post(Command c, long... args) {
    send(c, null, args);
  }

  private void send(Command c, Waiter w, long... args) {
    writeLock.lock();
    try {
      String f = failure;
      if (f != null) {
        throw new QtestException(f);
      }
      int n = QtestLine.format(line, c, args);
      String bad = QtestLine.check(line, n);
      if (bad != null) {
        // Never reached with the formatter above; the check is the last line of defence.
        throw new IllegalStateException("refusing to send a malformed qtest line ("
            + bad + "): " + QtestLine.text(line, n));
      }
      awaitSpace();
      if (w != null) {
        w.arm();
      }
      long t = tail;
      ring[(int) (t % WINDOW)] = w;
      tail = t + 1;
      out.clear();
      out.put(line, 0, n).flip();
      try {
        while (out.hasRemaining()) {
          channel.write(out);
        }
      } catch (IOException e) {
        throw fail("writing to the qtest socket failed: " + e);
      }
    } finally {
      writeLock.unlock();
    }
  }

  /** Waits (holding the write lock: nobody else may send meanwhile) for room in the ring. */
  private void awaitSpace() {
    if (tail - head < WINDOW) {
      return;
    }
    long deadline = System.nanoTime() + responseTimeoutNanos;
    spaceWaiter = Thread.currentThread();
    try {
      while (tail - head >= WINDOW) {
        if (failure != null) {
          throw new QtestException(failure);
        }
        if (System.nanoTime() - deadline > 0) {
          throw fail("QEMU did not answer " + WINDOW + " outstanding requests within "
              + TimeUnit.NANOSECONDS.toMillis(responseTimeoutNanos) + " ms");
        }
        LockSupport.parkNanos(this, TimeUnit.MICROSECONDS.toNanos(100));
      }
    } finally {
      spaceWaiter = null;
    }
  }

  // ------------------------------------------------------------------ reader

  private void readLoop() {
    ByteBuffer in = ByteBuffer.allocate(1 << 16);
    byte[] buf = in.array();
    try {
      while (true) {
        int r = channel.read(in);
        if (r < 0) {
          fail("QEMU closed the qtest socket");
          return;
        }
        int start = 0;
        int limit = in.position();
        for (int i = 0; i < limit; i++) {
          if (buf[i] == '\n') {
            onLine(buf, start, i);
            start = i + 1;
          }
        }
        if (start == 0 && limit == buf.length) {
          fail("qtest response line longer than " + buf.length + " bytes");
          return;
        }
        System.arraycopy(buf, start, buf, 0, limit - start);
        in.position(limit - start);
      }
    } catch (IOException e) {
      if (!closing) {
        fail("reading the qtest socket failed: " + e);
      }
    } catch (RuntimeException e) {
      fail("qtest reader failed: " + e);
    }
  }

  /** One line, {@code buf[from, to)} without the LF. */
  private void onLine(byte[] buf, int from, int to) {
    int len = to - from;
    if (len >= 4 && buf[from] == 'I' && buf[from + 1] == 'R' && buf[from + 2] == 'Q'
        && buf[from + 3] == ' ') {
      irqLines.incrementAndGet();
      String text = new String(buf, from, len, StandardCharsets.US_ASCII);
      String[] w = text.split(" ");
      BiConsumer<Integer, Boolean> l = irqListener;
      if (w.length == 3 && l != null) {
        try {
          l.accept(Integer.parseInt(w[2]), "raise".equals(w[1]));
        } catch (RuntimeException e) {
          LOG.warn("qtest socket={}: IRQ line '{}' not understood: {}", path, text, e.toString());
        }
      }
      return;
    }
    long h = head;
    if (h == tail) {
      throw fail("unexpected qtest line without a request: '"
          + new String(buf, from, len, StandardCharsets.US_ASCII) + "'");
    }
    int slot = (int) (h % WINDOW);
    Waiter w = ring[slot];
    ring[slot] = null;
    boolean ok = len >= 2 && buf[from] == OK[0] && buf[from + 1] == OK[1]
        && (len == 2 || buf[from + 2] == ' ');
    long value = 0;
    String error = null;
    if (ok) {
      if (len > 3) {
        value = parseValue(buf, from + 3, to);
      }
    } else {
      error = new String(buf, from, len, StandardCharsets.US_ASCII);
    }
    head = h + 1;
    Thread sw = spaceWaiter;
    if (sw != null) {
      LockSupport.unpark(sw);
    }
    if (w != null) {
      w.complete(value, error);
    } else if (error != null) {
      postedFailures.incrementAndGet();
      LOG.error("qtest socket={}: a posted write was answered '{}'", path, error);
    }
  }

  /** {@code 0x...} hex, or {@code little}/{@code big} for endianness (1 / 2). */
  private static long parseValue(byte[] buf, int from, int to) {
    if (to - from >= 2 && buf[from] == '0' && buf[from + 1] == 'x') {
      long v = 0;
      for (int i = from + 2; i < to; i++) {
        int d = Character.digit(buf[i], 16);
        if (d < 0) {
          throw new IllegalStateException("bad hex in qtest response");
        }
        v = (v << 4) | d;
      }
      return v;
    }
    String s = new String(buf, from, to - from, StandardCharsets.US_ASCII);
    return switch (s) {
      case "little" -> 1;
      case "big" -> 2;
      default -> 0;
    };
  }

  // ------------------------------------------------------------------ failure, close

  /** Fails the connection for good, closes it, fails every waiter; returns the exception. */
  QtestException fail(String why) {
    synchronized (this) {
      if (failure == null) {
        failure = "qtest socket=" + path + ": " + why;
        if (!closing) {
          LOG.warn(failure);
        }
      }
    }
    closeQuietly(channel);
    // Wake every waiter: they see the failure.
    for (Waiter w : ring) {
      if (w != null) {
        w.wakeUp();
      }
    }
    Thread sw = spaceWaiter;
    if (sw != null) {
      LockSupport.unpark(sw);
    }
    return new QtestException(failure);
  }

  /** Closes the connection. QEMU keeps running and accepts the next client. */
  @Override
  public void close() {
    closing = true;
    if (failure == null) {
      fail("closed");
    }
    if (Thread.currentThread() != reader) {
      try {
        reader.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      LOG.debug("closing the qtest socket: {}", e.toString());
    }
  }

  /** The answer slot of one thread's requests (one outstanding at a time per thread). */
  private static final class Waiter {
    private volatile boolean done;
    private long value;
    private String error;
    private volatile Thread thread;

    void arm() {
      done = false;
      error = null;
      thread = Thread.currentThread();
    }

    void complete(long v, String e) {
      value = v;
      error = e;
      done = true;
      Thread t = thread;
      if (t != null) {
        LockSupport.unpark(t);
      }
    }

    void wakeUp() {
      Thread t = thread;
      if (t != null) {
        LockSupport.unpark(t);
      }
    }

    long await(QtestClient c, long timeoutNanos) {
      long deadline = System.nanoTime() + timeoutNanos;
      int spins = 0;
      while (!done) {
        if (c.failure != null) {
          throw new QtestException(c.failure);
        }
        long rem = deadline - System.nanoTime();
        if (rem <= 0) {
          throw c.fail("no answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        }
        if (spins < 50) {
          // A response usually takes 20 to 50 us: a few spins catch it without a park.
          spins++;
          Thread.onSpinWait();
        } else {
          LockSupport.parkNanos(this, Math.min(rem, TimeUnit.MILLISECONDS.toNanos(10)));
        }
      }
      thread = null;
      if (error != null) {
        throw new QtestException("qtest request failed: " + error);
      }
      return value;
    }
  }
}
