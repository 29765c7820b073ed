package io.jnvme.disk.nbd.internal;

import io.jnvme.disk.BlockDevice;
import io.jnvme.disk.DiskCompletion;
import io.jnvme.disk.DiskException;
import io.jnvme.disk.DiskRangeException;
import io.jnvme.disk.DiskReadOnlyException;
import io.jnvme.driver.CompletionBatch;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: the fixed newstyle handshake, then the transmission phase.
 *
 * <p>The reader thread runs the handshake, then decodes requests, reads write payloads into the
 * connection's bounded {@link BufferPool}, and submits reads and writes to the device
 * asynchronously (flush, trim and write-zeroes run on it synchronously).
 *
 * <p>Replies are sent by the thread that finishes the request: usually the driver's completion
 * thread, the reader for synchronous commands and refusals. Handing every reply to a thread of its
 * own cost a wake-up and a context switch per reply, the largest cost of the path on a busy
 * machine. The socket is non-blocking during transmission, so a sender never waits: one thread at
 * a time sends, gathering every reply that is ready into one socket write; replies that complete
 * meanwhile are sent by it before it lets go. Only when the socket is full (a client that does not
 * read its replies) does the rest go to the connection's writer thread, which waits for room; the
 * driver's completion thread is never held up by a slow client.
 *
 * <p>Memory per connection is bounded by the buffer budget, the requests in flight and, during
 * the handshake, the largest option accepted. Anything that breaks the protocol (a bad magic, a
 * write payload beyond the limit, unknown client flags, an oversized option, a truncated message)
 * closes this connection only, with a warning naming the peer and the reason.
 */
final class NbdConnection implements DiskCompletion {
  private static final Logger LOG = LoggerFactory.getLogger(NbdConnection.class);

  /** The connection broke the protocol: it is closed, with this reason logged. */
  static final class ProtocolViolation extends Exception {
    private static final long serialVersionUID = 1L;

    ProtocolViolation(String message) {
      super(message, null, false, false);
    }
  }

  /** Bytes the reader takes from the socket at once. */
  private static final int READ_AHEAD = 64 << 10;

  /** Nothing to do in a select callback: readiness is all the caller waits for. */
  private static final java.util.function.Consumer<SelectionKey> IGNORE = k -> { };

  final long id;
  final String peer;
  private final SocketChannel channel;
  private final NbdServer server;
  private final NbdServer.Limits limits;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Thread reader;
  private volatile Thread writer;
  private volatile boolean transmitting;
  private volatile NbdExport export;
  private boolean structured;
  private boolean noZeroes;

  private Request[] requests;
  private ArrayBlockingQueue<Request> free;
  /** Replies ready to send, in completion order; never more than the requests. */
  private ArrayBlockingQueue<Request> replies;
  private BufferPool buffers;
  /** The reader's selector while transmitting (the socket is non-blocking then), else null. */
  private Selector readable;

  /** {@link #sendReplies} as a task to defer, made once. */
  private final Runnable sendTask = this::sendReplies;
  /** Held by the one thread that sends replies; see {@link #sendReplies()}. */
  private final AtomicBoolean sending = new AtomicBoolean();
  /** The writer thread holds {@link #sending} and waits for room in the socket. */
  private volatile boolean writerOwns;
  /** Set when the writer thread should end (disconnect); close() interrupts it as well. */
  private volatile boolean writerStop;
  // The reply batch being sent; touched only by the holder of {@link #sending}.
  private Request[] batch;
  private int batchSize;
  private ByteBuffer[] vector;
  private int vectorAt;
  private int vectorEnd;

  NbdConnection(long id, String peer, SocketChannel channel, NbdServer server) {
    this.id = id;
    this.peer = peer;
    this.channel = channel;
    this.server = server;
    this.limits = server.limits();
  }

  /** The export in use once the handshake is done, else null. */
  NbdExport export() {
    return export;
  }

  boolean transmitting() {
    return transmitting;
  }

  /** The reader thread's body. */
  void run() {
    reader = Thread.currentThread();
    try {
      if (handshake() && !closed.get()) {
        transmit();
      }
    } catch (ProtocolViolation e) {
      LOG.warn("nbd connection={} peer={} closed: {}", id, peer, e.getMessage());
    } catch (EOFException e) {
      LOG.info("nbd connection={} peer={} closed by the client {}", id, peer,
          transmitting ? "without NBD_CMD_DISC" : "during the handshake");
    } catch (ClosedChannelException e) {
      LOG.debug("nbd connection={} peer={} closed", id, peer);
    } catch (IOException e) {
      if (!closed.get()) {
        LOG.info("nbd connection={} peer={} I/O error: {}", id, peer, e.toString());
      }
    } catch (InterruptedException e) {
      LOG.debug("nbd connection={} peer={} interrupted", id, peer);
    } catch (IllegalStateException e) {
      LOG.debug("nbd connection={} peer={} closed: {}", id, peer, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("nbd connection={} peer={} failed", id, peer, e);
    } finally {
      close();
      server.ended(this);
    }
  }

  /** Closes the socket and stops both threads; requests in flight end unanswered. */
  void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("nbd connection={} close failed", id, e);
    }
    if (buffers != null) {
      buffers.close();
    }
    Selector s = readable;
    if (s != null) {
      s.wakeup();
    }
    Thread w = writer;
    if (w != null) {
      w.interrupt();
    }
    Thread r = reader;
    if (r != null && r != Thread.currentThread()) {
      r.interrupt();
    }
  }

  /** Closes the connection with a warning, e.g. when the handshake takes too long. */
  void close(String reason) {
    if (!closed.get()) {
      LOG.warn("nbd connection={} peer={} closed: {}", id, peer, reason);
      close();
    }
  }

  /** Waits for both threads to end (for tests and orderly shutdown). */
  void join(long millis) throws InterruptedException {
    Thread r = reader;
    if (r != null) {
      r.join(millis);
    }
    Thread w = writer;
    if (w != null) {
      w.join(millis);
    }
  }

  // ---------------------------------------------------------------- wire helpers

  /**
   * One read from the socket; while transmitting (non-blocking), waits until data comes rather
   * than return 0.
   */
  private int read(ByteBuffer b) throws IOException {
    while (true) {
      int n = channel.read(b);
      Selector s = readable;
      if (n != 0 || s == null || !b.hasRemaining()) {
        return n;
      }
      // A select callback instead of the selected-key set: nothing is added to a set, so waiting
      // allocates nothing.
      s.select(IGNORE);
      if (closed.get()) {
        throw new ClosedChannelException();
      }
      // An interrupt makes select return at once until it is cleared; only close() means stop.
      Thread.interrupted();
    }
  }

  private void readFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (read(b) < 0) {
        throw new EOFException();
      }
    }
  }

  /** Reads {@code b} fully; false on a clean end of stream before its first byte. */
  private boolean readMessage(ByteBuffer b) throws IOException, ProtocolViolation {
    int start = b.position();
    while (b.hasRemaining()) {
      if (read(b) < 0) {
        if (b.position() == start) {
          return false;
        }
        throw new ProtocolViolation("truncated message: " + (b.position() - start) + " of "
            + (b.limit() - start) + " bytes, then end of stream");
      }
    }
    return true;
  }

  /**
   * Makes {@code n} bytes available in {@code in} (in read mode), reading as much as the socket
   * has.
   *
   * @return false on a clean end of stream before the first of them
   */
  private boolean fill(ByteBuffer in, int n) throws IOException, ProtocolViolation {
    if (in.remaining() >= n) {
      return true;
    }
    in.compact();
    try {
      while (in.position() < n) {
        if (read(in) < 0) {
          if (in.position() == 0) {
            return false;
          }
          throw new ProtocolViolation("truncated message: " + in.position() + " of " + n
              + " bytes, then end of stream");
        }
      }
    } finally {
      in.flip();
    }
    return true;
  }

  private void writeFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  // ---------------------------------------------------------------- handshake

  /**
   * Runs the fixed newstyle handshake.
   *
   * @return true to go on to transmission, false if the client aborted
   */
  private boolean handshake() throws IOException, ProtocolViolation {
    ByteBuffer hello = ByteBuffer.allocate(18);
    hello.putLong(Nbd.NBDMAGIC).putLong(Nbd.IHAVEOPT)
        .putShort((short) (Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES)).flip();
    writeFully(hello);
    ByteBuffer clientFlags = ByteBuffer.allocate(4);
    if (!readMessage(clientFlags)) {
      throw new EOFException();
    }
    int flags = clientFlags.getInt(0);
    if ((flags & ~(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES)) != 0) {
      throw new ProtocolViolation(String.format("unknown client flags 0x%08x", flags));
    }
    boolean fixed = (flags & Nbd.FLAG_C_FIXED_NEWSTYLE) != 0;
    noZeroes = (flags & Nbd.FLAG_C_NO_ZEROES) != 0;
    ByteBuffer header = ByteBuffer.allocate(16);
    for (int n = 0; ; n++) {
      if (n >= limits.maxOptions()) {
        throw new ProtocolViolation("more than " + limits.maxOptions() + " options");
      }
      header.clear();
      if (!readMessage(header)) {
        throw new EOFException();
      }
      header.flip();
      long magic = header.getLong();
      int option = header.getInt();
      long length = Integer.toUnsignedLong(header.getInt());
      if (magic != Nbd.IHAVEOPT) {
        throw new ProtocolViolation(String.format("bad option magic 0x%016x", magic));
      }
      if (length > limits.maxOptionLength()) {
        throw new ProtocolViolation("option " + option + " has " + length
            + " bytes of data, more than the limit of " + limits.maxOptionLength());
      }
      ByteBuffer data = ByteBuffer.allocate((int) length);
      if (!readMessage(data)) {
        throw new ProtocolViolation("option " + option + " announced " + length
            + " bytes of data, then end of stream");
      }
      data.flip();
      if (!fixed && option != Nbd.OPT_EXPORT_NAME) {
        throw new ProtocolViolation("option " + option + " without fixed newstyle");
      }
      switch (option) {
        case Nbd.OPT_EXPORT_NAME -> {
          exportName(data);
          return true;
        }
        case Nbd.OPT_ABORT -> {
          optionReply(option, Nbd.REP_ACK, null);
          LOG.debug("nbd connection={} peer={} aborted the handshake", id, peer);
          return false;
        }
        case Nbd.OPT_LIST -> list(data);
        case Nbd.OPT_INFO, Nbd.OPT_GO -> {
          if (info(option, data)) {
            return true;
          }
        }
        case Nbd.OPT_STRUCTURED_REPLY -> {
          if (data.hasRemaining()) {
            optionError(option, Nbd.REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
          } else if (structured) {
            optionError(option, Nbd.REP_ERR_INVALID, "structured replies are on already");
          } else {
            structured = true;
            optionReply(option, Nbd.REP_ACK, null);
          }
        }
        default -> optionError(option, Nbd.REP_ERR_UNSUP, "option " + option
            + " is not supported");
      }
    }
  }

  /** NBD_OPT_EXPORT_NAME: no error reply is possible, so an unknown export closes. */
  private void exportName(ByteBuffer data) throws IOException, ProtocolViolation {
    String name;
    try {
      name = OptionParser.utf8(data, data.position(), data.remaining());
    } catch (OptionParser.InvalidOption e) {
      throw new ProtocolViolation("NBD_OPT_EXPORT_NAME: " + e.getMessage());
    }
    NbdExport e = server.resolve(name);
    if (e == null) {
      throw new ProtocolViolation("NBD_OPT_EXPORT_NAME: no export named '" + name + "'");
    }
    export = e;
    ByteBuffer b = ByteBuffer.allocate(10 + (noZeroes ? 0 : 124));
    b.putLong(e.device().size())
        .putShort((short) Requests.transmissionFlags(e.effectivelyReadOnly(), structured));
    b.position(b.limit()).flip();
    writeFully(b);
    startTransmission(e);
  }

  private void list(ByteBuffer data) throws IOException {
    if (data.hasRemaining()) {
      optionError(Nbd.OPT_LIST, Nbd.REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
      return;
    }
    for (NbdExport e : server.exports().values()) {
      byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
      byte[] description = e.description().getBytes(StandardCharsets.UTF_8);
      ByteBuffer b = ByteBuffer.allocate(4 + name.length + description.length);
      b.putInt(name.length).put(name).put(description).flip();
      optionReply(Nbd.OPT_LIST, Nbd.REP_SERVER, b);
    }
    optionReply(Nbd.OPT_LIST, Nbd.REP_ACK, null);
  }

  /**
   * NBD_OPT_INFO and NBD_OPT_GO.
   *
   * @return true if transmission starts (a successful GO)
   */
  private boolean info(int option, ByteBuffer data) throws IOException {
    OptionParser.InfoRequest r;
    try {
      r = OptionParser.parseInfo(data);
    } catch (OptionParser.InvalidOption e) {
      optionError(option, Nbd.REP_ERR_INVALID, e.getMessage());
      return false;
    }
    NbdExport e = server.resolve(r.name());
    if (e == null) {
      optionError(option, Nbd.REP_ERR_UNKNOWN, "no export named '" + r.name() + "'");
      return false;
    }
    BlockDevice d = e.device();
    ByteBuffer b = ByteBuffer.allocate(12);
    b.putShort((short) Nbd.INFO_EXPORT).putLong(d.size())
        .putShort((short) Requests.transmissionFlags(e.effectivelyReadOnly(), structured)).flip();
    optionReply(option, Nbd.REP_INFO, b);
    if (r.requests().contains(Nbd.INFO_NAME)) {
      byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
      optionReply(option, Nbd.REP_INFO, ByteBuffer.allocate(2 + name.length)
          .putShort((short) Nbd.INFO_NAME).put(name).flip());
    }
    if (r.requests().contains(Nbd.INFO_DESCRIPTION) && !e.description().isEmpty()) {
      byte[] text = e.description().getBytes(StandardCharsets.UTF_8);
      optionReply(option, Nbd.REP_INFO, ByteBuffer.allocate(2 + text.length)
          .putShort((short) Nbd.INFO_DESCRIPTION).put(text).flip());
    }
    // Sent even when not asked for: clients that did not ask may ignore it, and this server
    // accepts requests of any alignment anyway (read-modify-write below the block size).
    optionReply(option, Nbd.REP_INFO, ByteBuffer.allocate(14)
        .putShort((short) Nbd.INFO_BLOCK_SIZE)
        .putInt(d.blockSize())
        .putInt(Math.max(4096, d.blockSize()))
        .putInt(limits.maxPayload()).flip());
    if (option == Nbd.OPT_GO) {
      // Known as this export's connection before the client hears it may go on, so that a
      // removal of the export from now on closes it.
      export = e;
    }
    optionReply(option, Nbd.REP_ACK, null);
    if (option == Nbd.OPT_GO) {
      startTransmission(e);
      return true;
    }
    return false;
  }

  private void optionReply(int option, int type, ByteBuffer data) throws IOException {
    int length = data == null ? 0 : data.remaining();
    ByteBuffer h = ByteBuffer.allocate(20);
    h.putLong(Nbd.OPTION_REPLY_MAGIC).putInt(option).putInt(type).putInt(length).flip();
    if (data == null) {
      writeFully(h);
    } else {
      ByteBuffer[] both = {h, data};
      while (h.hasRemaining() || data.hasRemaining()) {
        channel.write(both);
      }
    }
  }

  private void optionError(int option, int type, String message) throws IOException {
    LOG.debug("nbd connection={} peer={} option {} refused: {}", id, peer, option, message);
    optionReply(option, type, ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
  }

  // ---------------------------------------------------------------- transmission

  private void startTransmission(NbdExport e) throws IOException {
    export = e;
    if (!server.exported(e)) {
      // Removed meanwhile; the removal may not have seen this connection.
      close();
      return;
    }
    int n = limits.maxInFlight();
    requests = new Request[n];
    free = new ArrayBlockingQueue<>(n);
    replies = new ArrayBlockingQueue<>(n);
    for (int i = 0; i < n; i++) {
      requests[i] = new Request(i);
      free.add(requests[i]);
    }
    batch = new Request[n];
    // A reply is at most two buffers: header and data.
    vector = new ByteBuffer[2 * n];
    buffers = new BufferPool(limits.bufferBudget(), limits.maxPayload());
    // Non-blocking from here on, so that whichever thread finishes a request can send its reply
    // without ever waiting for the client (see the class comment). The handshake was blocking:
    // one thread, strictly request and response, and its last reply is written by now.
    channel.configureBlocking(false);
    transmitting = true;
    Thread w = new Thread(this::writeBlocked, "nbd-" + id + "-writer");
    w.setDaemon(true);
    writer = w;
    w.start();
    if (closed.get()) {
      w.interrupt();
    }
    LOG.info("nbd connection={} peer={} export={} size={} structuredReplies={}", id, peer,
        e.name(), e.device().size(), structured);
  }

  private void transmit() throws IOException, ProtocolViolation, InterruptedException {
    // The socket is non-blocking now: the reader waits for requests in a selector.
    Selector s = Selector.open();
    try {
      channel.register(s, SelectionKey.OP_READ);
      readable = s;
      if (closed.get()) {
        throw new ClosedChannelException();
      }
      transmitRequests();
    } finally {
      readable = null;
      s.close();
    }
  }

  private void transmitRequests() throws IOException, ProtocolViolation, InterruptedException {
    // Read ahead: a client with many requests in flight has several headers (and small write
    // payloads) waiting in the socket; one read takes them all.
    ByteBuffer in = ByteBuffer.allocateDirect(READ_AHEAD).order(ByteOrder.BIG_ENDIAN);
    in.flip();
    NbdExport e = export;
    BlockDevice d = e.device();
    boolean readOnly = e.effectivelyReadOnly();
    while (true) {
      if (!fill(in, Nbd.REQUEST_HEADER_SIZE)) {
        throw new EOFException();
      }
      int at = in.position();
      int magic = in.getInt(at);
      if (magic != Nbd.REQUEST_MAGIC) {
        throw new ProtocolViolation(String.format("bad request magic 0x%08x", magic));
      }
      int flags = Short.toUnsignedInt(in.getShort(at + 4));
      int type = Short.toUnsignedInt(in.getShort(at + 6));
      long cookie = in.getLong(at + 8);
      long offset = in.getLong(at + 16);
      long length = Integer.toUnsignedLong(in.getInt(at + 24));
      in.position(at + Nbd.REQUEST_HEADER_SIZE);
      if (type == Nbd.CMD_DISC) {
        disconnect();
        return;
      }
      if (type == Nbd.CMD_WRITE && length > limits.maxPayload()) {
        // The payload cannot be skipped without reading it: a client that sends this much
        // at once is either broken or hostile.
        throw new ProtocolViolation("NBD_CMD_WRITE payload of " + length
            + " bytes exceeds the limit of " + limits.maxPayload());
      }
      Request r = free.take();
      r.type = type;
      r.flags = flags;
      r.cookie = cookie;
      r.offset = offset;
      r.length = length;
      if (type == Nbd.CMD_WRITE && length > 0) {
        r.data = buffers.acquire((int) length);
        int ahead = Math.min(in.remaining(), (int) length);
        r.data.put(0, in, in.position(), ahead).position(ahead);
        in.position(in.position() + ahead);
        try {
          readFully(r.data);
        } catch (EOFException x) {
          throw new ProtocolViolation("NBD_CMD_WRITE announced " + length
              + " bytes of payload, then end of stream");
        }
        r.data.flip();
      }
      int error = Requests.check(type, flags, offset, length, d.size(), readOnly, structured,
          limits.maxPayload());
      if (error != 0) {
        LOG.debug("nbd connection={} {} offset={} length={} flags=0x{} refused: error {}", id,
            Nbd.commandName(type), offset, length, Integer.toHexString(flags), error);
        r.error = error;
        r.message = Nbd.commandName(type) + " offset=" + Long.toUnsignedString(offset)
            + " length=" + length + " refused (export size " + d.size() + ")";
        reply(r);
        continue;
      }
      boolean fua = (flags & Nbd.CMD_FLAG_FUA) != 0;
      if (length == 0 && type != Nbd.CMD_FLUSH) {
        reply(r);
        continue;
      }
      switch (type) {
        case Nbd.CMD_READ -> {
          r.data = buffers.acquire((int) length);
          d.submitRead(offset, r.data, this, r.index);
        }
        case Nbd.CMD_WRITE -> d.submitWrite(offset, r.data, fua, this, r.index);
        case Nbd.CMD_FLUSH -> {
          try {
            d.flush();
          } catch (DiskException x) {
            fail(r, x);
          }
          reply(r);
        }
        case Nbd.CMD_TRIM -> {
          try {
            d.discard(offset, length);
            if (fua) {
              d.flush();
            }
          } catch (DiskException x) {
            fail(r, x);
          }
          reply(r);
        }
        case Nbd.CMD_WRITE_ZEROES -> {
          try {
            d.writeZeroes(offset, length, fua);
          } catch (DiskException x) {
            fail(r, x);
          }
          reply(r);
        }
        default -> throw new IllegalStateException("unchecked command type " + type);
      }
    }
  }

  /** NBD_CMD_DISC: answer everything in flight, then close. */
  private void disconnect() throws InterruptedException {
    LOG.debug("nbd connection={} peer={} disconnects", id, peer);
    // Every request back in the free queue means every reply was written.
    List<Request> back = new ArrayList<>(requests.length);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (back.size() < requests.length) {
      Request r = free.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (r == null) {
        LOG.warn("nbd connection={} peer={} closing with {} requests unanswered", id, peer,
            requests.length - back.size());
        break;
      }
      back.add(r);
    }
    // Every reply is sent: the writer thread has nothing left to wait for.
    writerStop = true;
    Thread w = writer;
    if (w != null) {
      LockSupport.unpark(w);
      w.join(TimeUnit.SECONDS.toMillis(5));
    }
    LOG.info("nbd connection={} peer={} disconnected", id, peer);
  }

  private void fail(Request r, DiskException e) {
    r.error = errno(e);
    r.message = e.getMessage();
    LOG.debug("nbd connection={} {} offset={} length={} failed: {}", id,
        Nbd.commandName(r.type), r.offset, r.length, e.getMessage());
  }

  static int errno(DiskException e) {
    if (e instanceof DiskReadOnlyException) {
      return Nbd.EPERM;
    }
    if (e instanceof DiskRangeException) {
      return Nbd.EINVAL;
    }
    return Nbd.EIO;
  }

  /** A device completion: send its reply, or leave it to the thread sending now. Never blocks. */
  @Override
  public void completed(long context, DiskException error) {
    Request r = requests[(int) context];
    if (error != null) {
      fail(r, error);
    }
    // The queue holds as many as there are requests: this never fails and never waits.
    if (!replies.offer(r)) {
      throw new IllegalStateException("reply queue overflow connection=" + id);
    }
    // On the driver's completion thread the replies of one batch of completions go out in one
    // socket write at its end; one write per reply was most of that thread's time.
    if (!CompletionBatch.defer(sendTask)) {
      sendReplies();
    }
  }

  // ---------------------------------------------------------------- replies

  /** Queues the reply of a finished request and sends what is queued, unless someone else is. */
  private void reply(Request r) {
    // The queue holds as many as there are requests: this never fails and never waits.
    if (!replies.offer(r)) {
      throw new IllegalStateException("reply queue overflow connection=" + id);
    }
    sendReplies();
  }

  /**
   * Sends the queued replies if no other thread is sending; returns without waiting either way.
   *
   * <p>Only the holder of {@link #sending} writes to the socket. A thread that queued a reply and
   * finds the flag taken leaves the reply to the holder: the holder clears the flag and then looks
   * at the queue again, and both steps are sequentially consistent (the flag is volatile, the
   * queue locks), so either the holder sees the reply or this thread gets the flag. When the
   * socket is full, the writer thread takes over the flag until there is room.
   */
  private void sendReplies() {
    while (!replies.isEmpty() && sending.compareAndSet(false, true)) {
      boolean sent;
      try {
        sent = send();
      } catch (IOException e) {
        // The flag stays taken: nothing can be sent on this connection any more.
        failedToSend(e);
        return;
      }
      if (!sent) {
        writerOwns = true;
        Thread w = writer;
        if (w != null) {
          LockSupport.unpark(w);
        }
        return;
      }
      sending.set(false);
    }
  }

  /**
   * Writes the batch in progress and then everything queued, without waiting; called with
   * {@link #sending} held.
   *
   * @return true if all is sent, false if the socket is full (the rest stays in the batch)
   */
  private boolean send() throws IOException {
    while (true) {
      if (vectorAt == vectorEnd) {
        int n = 0;
        Request r;
        while (batchSize < batch.length && (r = replies.poll()) != null) {
          batch[batchSize++] = r;
          n = encode(r, vector, n);
        }
        if (n == 0) {
          return true;
        }
        vectorAt = 0;
        vectorEnd = n;
      }
      while (vectorAt < vectorEnd) {
        if (channel.write(vector, vectorAt, vectorEnd - vectorAt) == 0) {
          return false;
        }
        while (vectorAt < vectorEnd && !vector[vectorAt].hasRemaining()) {
          vector[vectorAt++] = null;
        }
      }
      vectorAt = 0;
      vectorEnd = 0;
      for (int i = 0; i < batchSize; i++) {
        recycle(batch[i]);
        batch[i] = null;
      }
      batchSize = 0;
    }
  }

  private void failedToSend(IOException e) {
    if (!closed.get()) {
      LOG.info("nbd connection={} peer={} cannot send replies: {}", id, peer, e.toString());
    }
    close();
  }

  /**
   * The writer thread: idle until a sender finds the socket full, then waits for room, sends the
   * rest and lets go of {@link #sending}.
   */
  private void writeBlocked() {
    try (Selector writable = Selector.open()) {
      channel.register(writable, SelectionKey.OP_WRITE);
      while (!closed.get() && !writerStop) {
        if (!writerOwns) {
          LockSupport.park(this);
          continue;
        }
        writable.select(IGNORE);
        Thread.interrupted(); // close() interrupts; the loop condition decides
        if (closed.get() || !send()) {
          continue;
        }
        writerOwns = false;
        sending.set(false);
        // Replies queued while the socket was full were left to this thread.
        sendReplies();
      }
    } catch (ClosedChannelException e) {
      // Closing.
    } catch (IOException e) {
      failedToSend(e);
    }
  }

  private void recycle(Request r) {
    if (r.data != null) {
      buffers.release(r.data);
    }
    r.clear();
    free.add(r);
  }

  /** Puts the buffers of {@code r}'s reply into {@code v} from {@code n}; returns the new end. */
  private int encode(Request r, ByteBuffer[] v, int n) {
    ByteBuffer h = r.header;
    h.clear();
    boolean read = r.type == Nbd.CMD_READ;
    if (structured && r.error != 0) {
      byte[] msg = r.message == null ? new byte[0]
          : r.message.getBytes(StandardCharsets.UTF_8);
      int m = Math.min(msg.length, Nbd.MAX_STRING);
      ByteBuffer chunk = ByteBuffer.allocate(Nbd.STRUCTURED_REPLY_HEADER_SIZE + 6 + m);
      chunk.putInt(Nbd.STRUCTURED_REPLY_MAGIC).putShort((short) Nbd.REPLY_FLAG_DONE)
          .putShort((short) Nbd.REPLY_TYPE_ERROR).putLong(r.cookie).putInt(6 + m)
          .putInt(r.error).putShort((short) m).put(msg, 0, m).flip();
      v[n++] = chunk;
      return n;
    }
    if (structured && read && r.data != null) {
      // One data chunk for the whole read, marked final: the read is complete before it is sent.
      h.putInt(Nbd.STRUCTURED_REPLY_MAGIC).putShort((short) Nbd.REPLY_FLAG_DONE)
          .putShort((short) Nbd.REPLY_TYPE_OFFSET_DATA).putLong(r.cookie)
          .putInt(8 + r.data.remaining()).putLong(r.offset).flip();
      v[n++] = h;
      v[n++] = r.data;
      return n;
    }
    if (structured && read) {
      // A zero-length read: a final chunk with no data.
      h.putInt(Nbd.STRUCTURED_REPLY_MAGIC).putShort((short) Nbd.REPLY_FLAG_DONE)
          .putShort((short) Nbd.REPLY_TYPE_NONE).putLong(r.cookie).putInt(0).flip();
      v[n++] = h;
      return n;
    }
    h.putInt(Nbd.SIMPLE_REPLY_MAGIC).putInt(r.error).putLong(r.cookie).flip();
    v[n++] = h;
    if (read && r.error == 0 && r.data != null) {
      v[n++] = r.data;
    }
    return n;
  }
}
