package io.jnvme.disk.nbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A byte-level NBD client for tests: it sends whatever it is told, well formed or not, and reads
 * replies field by field. Every read has a timeout, so a server that neither answers nor closes
 * fails the test instead of hanging it.
 */
final class RawClient implements AutoCloseable {
  final Socket socket;
  final DataInputStream in;
  final DataOutputStream out;

  record OptionReply(int option, int type, byte[] data) {
    ByteBuffer buffer() {
      return ByteBuffer.wrap(data);
    }
  }

  record SimpleReply(int error, long cookie) {}

  record Chunk(int flags, int type, long cookie, byte[] payload) {
    ByteBuffer buffer() {
      return ByteBuffer.wrap(payload);
    }
  }

  RawClient(InetSocketAddress address) throws IOException {
    socket = new Socket();
    socket.connect(address, 5000);
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    in = new DataInputStream(socket.getInputStream());
    // Buffered: each message leaves in one piece at flush(), so a server that closes after its
    // first bytes does not turn the rest of the message into a failed write.
    out = new DataOutputStream(new java.io.BufferedOutputStream(socket.getOutputStream(), 1 << 16));
  }

  /** Reads and checks the server's greeting; returns the handshake flags. */
  int hello() throws IOException {
    assertEquals(Nbd.NBDMAGIC, in.readLong(), "NBDMAGIC");
    assertEquals(Nbd.IHAVEOPT, in.readLong(), "IHAVEOPT");
    return in.readUnsignedShort();
  }

  /** Greeting, then fixed newstyle with no zeroes. */
  RawClient fixed() throws IOException {
    assertEquals(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES, hello());
    out.writeInt(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES);
    out.flush();
    return this;
  }

  void option(int option, byte[] data) throws IOException {
    out.writeLong(Nbd.IHAVEOPT);
    out.writeInt(option);
    out.writeInt(data.length);
    out.write(data);
    out.flush();
  }

  OptionReply reply() throws IOException {
    assertEquals(Nbd.OPTION_REPLY_MAGIC, in.readLong(), "option reply magic");
    int option = in.readInt();
    int type = in.readInt();
    int length = in.readInt();
    assertTrue(length >= 0 && length < 1 << 20, "reply length " + length);
    byte[] data = new byte[length];
    in.readFully(data);
    return new OptionReply(option, type, data);
  }

  static byte[] infoData(String name, int... requests) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * requests.length);
    b.putInt(n.length).put(n).putShort((short) requests.length);
    for (int r : requests) {
      b.putShort((short) r);
    }
    return b.array();
  }

  /** NBD_OPT_GO (or INFO): the replies up to and including the final one. */
  List<OptionReply> go(int option, String name, int... requests) throws IOException {
    option(option, infoData(name, requests));
    List<OptionReply> l = new ArrayList<>();
    while (true) {
      OptionReply r = reply();
      assertEquals(option, r.option());
      l.add(r);
      if (r.type() != Nbd.REP_INFO) {
        return l;
      }
    }
  }

  /** GO on {@code name}; asserts success. Returns the export size. */
  long go(String name) throws IOException {
    List<OptionReply> l = go(Nbd.OPT_GO, name, Nbd.INFO_BLOCK_SIZE);
    assertEquals(Nbd.REP_ACK, l.get(l.size() - 1).type(), "GO acknowledged");
    return l.get(0).buffer().getLong(2);
  }

  void request(int flags, int type, long cookie, long offset, int length, byte[] payload)
      throws IOException {
    out.writeInt(Nbd.REQUEST_MAGIC);
    out.writeShort(flags);
    out.writeShort(type);
    out.writeLong(cookie);
    out.writeLong(offset);
    out.writeInt(length);
    if (payload != null) {
      out.write(payload);
    }
    out.flush();
  }

  SimpleReply simpleReply() throws IOException {
    assertEquals(Nbd.SIMPLE_REPLY_MAGIC, in.readInt(), "simple reply magic");
    return new SimpleReply(in.readInt(), in.readLong());
  }

  Chunk chunk() throws IOException {
    assertEquals(Nbd.STRUCTURED_REPLY_MAGIC, in.readInt(), "structured reply magic");
    int flags = in.readUnsignedShort();
    int type = in.readUnsignedShort();
    long cookie = in.readLong();
    int length = in.readInt();
    byte[] p = new byte[length];
    in.readFully(p);
    return new Chunk(flags, type, cookie, p);
  }

  /** Writes and expects success (simple reply). */
  void write(long cookie, long offset, byte[] data) throws IOException {
    request(0, Nbd.CMD_WRITE, cookie, offset, data.length, data);
    SimpleReply r = simpleReply();
    assertEquals(0, r.error(), "write error");
    assertEquals(cookie, r.cookie());
  }

  /** Reads with simple replies and expects success. */
  byte[] read(long cookie, long offset, int length) throws IOException {
    request(0, Nbd.CMD_READ, cookie, offset, length, null);
    SimpleReply r = simpleReply();
    assertEquals(0, r.error(), "read error");
    assertEquals(cookie, r.cookie());
    byte[] b = new byte[length];
    in.readFully(b);
    return b;
  }

  /** True once the server has closed the connection (end of stream or reset). */
  boolean closedByServer() throws IOException {
    try {
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (EOFException | SocketException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
