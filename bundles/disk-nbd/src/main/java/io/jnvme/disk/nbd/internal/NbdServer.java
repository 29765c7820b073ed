package io.jnvme.disk.nbd.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An NBD server (fixed newstyle negotiation; NBD_OPT_GO, INFO, LIST, EXPORT_NAME, ABORT and
 * STRUCTURED_REPLY; READ, WRITE, FLUSH, TRIM, WRITE_ZEROES and DISC, with FUA) exporting
 * {@link io.jnvme.disk.BlockDevice}s over TCP and Unix sockets. Plain Java:
 *
 * <pre>{@code
 * NbdServer s = new NbdServer(NbdServer.Limits.defaults());
 * s.putExport(NbdExport.of(device));
 * s.listen(new InetSocketAddress("127.0.0.1", 10809));
 * s.listen(UnixDomainSocketAddress.of("/run/jnvme/nbd.sock"));
 * s.uris("nvme0n1");   // nbd://127.0.0.1:10809/nvme0n1, nbd+unix:///nvme0n1?socket=...
 * }</pre>
 *
 * <p>Each connection has a reader thread, a writer thread that only steps in while the client
 * does not take its replies, and bounded memory ({@link Limits}). A
 * connection that breaks the protocol is closed and logged; the others go on. Every export
 * advertises NBD_FLAG_CAN_MULTI_CONN: there is no cache in the server, so a flush on one
 * connection covers writes completed on all.
 */
public final class NbdServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NbdServer.class);

  /** The IANA port for NBD. */
  public static final int DEFAULT_PORT = 10809;

  /**
   * Bounds on what one client can make the server hold.
   *
   * @param maxPayload largest READ or WRITE payload (advertised as the maximum block size); a
   *     larger WRITE closes the connection, a larger READ fails
   * @param bufferBudget payload bytes one connection may hold at once
   * @param maxInFlight requests one connection may have in flight
   * @param maxOptionLength largest option data in the handshake; more closes the connection
   * @param maxOptions options one handshake may send
   * @param handshakeTimeout a connection that has not finished its handshake by then is closed
   * @param maxConnections connections at once; more are closed at once
   */
  public record Limits(int maxPayload, long bufferBudget, int maxInFlight, int maxOptionLength,
      int maxOptions, Duration handshakeTimeout, int maxConnections) {
    /** 32 MiB payloads, 64 MiB per connection, 128 requests in flight, 64 connections. */
    public static Limits defaults() {
      return new Limits(32 << 20, 64L << 20, 128, 64 << 10, 4096, Duration.ofSeconds(30), 64);
    }

    public Limits withHandshakeTimeout(Duration v) {
      return new Limits(maxPayload, bufferBudget, maxInFlight, maxOptionLength, maxOptions, v,
          maxConnections);
    }

    public Limits withBufferBudget(long v) {
      return new Limits(maxPayload, v, maxInFlight, maxOptionLength, maxOptions,
          handshakeTimeout, maxConnections);
    }

    public Limits withMaxConnections(int v) {
      return new Limits(maxPayload, bufferBudget, maxInFlight, maxOptionLength, maxOptions,
          handshakeTimeout, v);
    }
  }

  private final Limits limits;
  private final SortedMap<String, NbdExport> exports = new ConcurrentSkipListMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicLong ids = new AtomicLong();
  private final ScheduledExecutorService timer;
  private volatile String defaultExport;
  private volatile boolean closed;

  private record Listener(ServerSocketChannel channel, SocketAddress address, Thread thread) {}

  public NbdServer(Limits limits) {
    this.limits = limits;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nbd-timer");
      t.setDaemon(true);
      return t;
    });
  }

  Limits limits() {
    return limits;
  }

  // ---------------------------------------------------------------- exports

  /** Adds or replaces an export. */
  public void putExport(NbdExport e) {
    NbdExport old = exports.put(e.name(), e);
    if (old != null && old.device() != e.device()) {
      closeConnections(old, "export " + old.name() + " was replaced");
    }
  }

  /** Removes an export and closes the connections that use it. */
  public void removeExport(String name) {
    NbdExport old = exports.remove(name);
    if (old != null) {
      closeConnections(old, "export " + name + " was removed");
    }
  }

  /** The exports, by name. */
  public SortedMap<String, NbdExport> exports() {
    return Collections.unmodifiableSortedMap(new TreeMap<>(exports));
  }

  /** True while {@code e} is exported (and not replaced). */
  boolean exported(NbdExport e) {
    return exports.get(e.name()) == e;
  }

  /** The export the empty name selects; by default the first export by name. */
  public void defaultExport(String name) {
    defaultExport = name;
  }

  /** The export a client asked for by {@code name}; the empty name is the default export. */
  NbdExport resolve(String name) {
    NbdExport e = exports.get(name);
    if (e != null || !name.isEmpty()) {
      return e;
    }
    String d = defaultExport;
    if (d != null && exports.containsKey(d)) {
      return exports.get(d);
    }
    try {
      return exports.get(exports.firstKey());
    } catch (java.util.NoSuchElementException x) {
      return null;
    }
  }

  private void closeConnections(NbdExport e, String why) {
    for (NbdConnection c : connections) {
      if (c.export() == e) {
        LOG.info("nbd connection={} peer={} closed: {}", c.id, c.peer, why);
        c.close();
      }
    }
  }

  // ---------------------------------------------------------------- listening

  /**
   * Listens on a TCP address ({@link InetSocketAddress}; port 0 picks a free one) or a Unix
   * socket ({@link UnixDomainSocketAddress}; a stale socket file is replaced).
   *
   * @return the address bound (with the actual port)
   * @throws IOException if the address cannot be bound
   */
  public SocketAddress listen(SocketAddress address) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    ServerSocketChannel ch;
    if (address instanceof UnixDomainSocketAddress u) {
      Path p = u.getPath();
      if (p.getParent() != null) {
        Files.createDirectories(p.getParent());
      }
      // A socket file left by an earlier run would make bind fail.
      Files.deleteIfExists(p);
      ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    } else {
      ch = ServerSocketChannel.open();
      ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    }
    try {
      ch.bind(address, 64);
    } catch (IOException e) {
      ch.close();
      throw new IOException("cannot listen on " + describe(address) + ": " + e.getMessage(), e);
    }
    SocketAddress bound = ch.getLocalAddress();
    Thread t = new Thread(() -> accept(ch, bound), "nbd-accept-" + describe(bound));
    t.setDaemon(true);
    listeners.add(new Listener(ch, bound, t));
    t.start();
    LOG.info("nbd server listening on {}", describe(bound));
    return bound;
  }

  /** The addresses listened on. */
  public List<SocketAddress> addresses() {
    List<SocketAddress> l = new ArrayList<>();
    for (Listener x : listeners) {
      l.add(x.address());
    }
    return l;
  }

  /** The NBD URIs of an export, one per address (as nbdinfo, nbdcopy and qemu-img take them). */
  public List<String> uris(String export) {
    String path = encodePath(export);
    List<String> l = new ArrayList<>();
    for (SocketAddress a : addresses()) {
      if (a instanceof InetSocketAddress i) {
        String host = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
        if (host.contains(":")) {
          host = "[" + host + "]";
        }
        l.add("nbd://" + host + ":" + i.getPort() + "/" + path);
      } else if (a instanceof UnixDomainSocketAddress u) {
        l.add("nbd+unix:///" + path + "?socket=" + u.getPath());
      }
    }
    return l;
  }

  private static String encodePath(String s) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xFF;
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || "-._~".indexOf(c) >= 0) {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c));
      }
    }
    return b.toString();
  }

  private static String describe(SocketAddress a) {
    if (a instanceof UnixDomainSocketAddress u) {
      return "unix:" + u.getPath();
    }
    if (a instanceof InetSocketAddress i && i.getAddress() != null) {
      return "tcp:" + i.getAddress().getHostAddress() + ":" + i.getPort();
    }
    return String.valueOf(a);
  }

  private void accept(ServerSocketChannel ch, SocketAddress bound) {
    while (!closed) {
      SocketChannel s;
      try {
        s = ch.accept();
      } catch (IOException e) {
        if (!closed && ch.isOpen()) {
          LOG.warn("nbd accept failed on {}: {}", describe(bound), e.toString());
          continue;
        }
        return;
      }
      try {
        start(s, bound);
      } catch (IOException | RuntimeException e) {
        LOG.warn("nbd cannot start a connection on {}: {}", describe(bound), e.toString());
        closeQuietly(s);
      }
    }
  }

  private void start(SocketChannel s, SocketAddress bound) throws IOException {
    long id = ids.incrementAndGet();
    String peer = bound instanceof UnixDomainSocketAddress ? describe(bound)
        : String.valueOf(s.getRemoteAddress());
    if (connections.size() >= limits.maxConnections()) {
      LOG.warn("nbd connection={} peer={} refused: {} connections already", id, peer,
          connections.size());
      closeQuietly(s);
      return;
    }
    if (!(bound instanceof UnixDomainSocketAddress)) {
      // Requests and replies are small and latency bound: no Nagle delay (the protocol asks
      // both ends to disable it).
      s.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
    NbdConnection c = new NbdConnection(id, peer, s, this);
    connections.add(c);
    if (closed) {
      connections.remove(c);
      closeQuietly(s);
      return;
    }
    LOG.debug("nbd connection={} peer={} accepted", id, peer);
    Thread t = new Thread(c::run, "nbd-" + id + "-reader");
    t.setDaemon(true);
    t.start();
    try {
      timer.schedule(() -> {
        if (!c.transmitting()) {
          c.close("handshake not finished within " + limits.handshakeTimeout().toMillis()
              + " ms");
        }
      }, limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      c.close();
    }
  }

  private static void closeQuietly(SocketChannel s) {
    try {
      s.close();
    } catch (IOException e) {
      // Nothing to do.
    }
  }

  /** Called by a connection's reader when it ends. */
  void ended(NbdConnection c) {
    connections.remove(c);
  }

  /** Open connections. */
  public int connectionCount() {
    return connections.size();
  }

  /** Open connections that use {@code export}. */
  public int connectionCount(String export) {
    int n = 0;
    for (NbdConnection c : connections) {
      NbdExport e = c.export();
      if (e != null && e.name().equals(export)) {
        n++;
      }
    }
    return n;
  }

  /** Connections by id (for tests). */
  Map<Long, NbdConnection> connectionsById() {
    Map<Long, NbdConnection> m = new TreeMap<>();
    for (NbdConnection c : connections) {
      m.put(c.id, c);
    }
    return m;
  }

  /** Stops listening (removing Unix socket files) and closes every connection. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Listener l : listeners) {
      try {
        l.channel().close();
      } catch (IOException e) {
        LOG.debug("closing listener {} failed", describe(l.address()), e);
      }
      if (l.address() instanceof UnixDomainSocketAddress u) {
        try {
          Files.deleteIfExists(u.getPath());
        } catch (IOException e) {
          LOG.debug("cannot delete {}", u.getPath(), e);
        }
      }
    }
    List<NbdConnection> open = new ArrayList<>(connections);
    open.forEach(NbdConnection::close);
    for (NbdConnection c : open) {
      try {
        c.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Listener l : listeners) {
      try {
        l.thread().join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    timer.shutdownNow();
    LOG.info("nbd server stopped");
  }
}
