package io.jnvme.disk.nbd.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.disk.internal.NvmeBlockDevice;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's side of the protocol, byte by byte, with well-formed and hostile clients. One
 * server for the class: nvme0n1 (8 MiB) and nvme0n2 (1 MiB), plus "ro", a read-only export of
 * nvme0n2. Every hostile connection must leave the others working: {@link #good} keeps doing I/O
 * between the tests' attacks.
 */
@Timeout(120)
class NbdProtocolTest {
  @TempDir static Path tmp;
  static NbdFixture f;
  static RawClient good;
  static int goodCookie;

  @BeforeAll
  static void start() throws Exception {
    f = NbdFixture.start(NbdServer.Limits.defaults(), tmp.resolve("nbd.sock"), 8L << 20, 1L << 20);
    f.server.putExport(new NbdExport("ro", "read-only view", f.disks.get(1), true));
    good = new RawClient(f.tcp).fixed();
    good.go("nvme0n1");
  }

  @AfterAll
  static void stop() throws IOException {
    if (good != null) {
      good.close();
    }
    if (f != null) {
      f.close();
    }
  }

  /** The long-lived connection still reads and writes. */
  static void goodStillServes() throws IOException {
    byte[] data = new byte[4096];
    new Random(goodCookie).nextBytes(data);
    long offset = 4096L * (goodCookie % 64);
    good.write(++goodCookie, offset, data);
    assertArrayEquals(data, good.read(++goodCookie, offset, 4096));
  }

  RawClient client() throws IOException {
    return new RawClient(f.tcp);
  }

  // ---------------------------------------------------------------- well-formed clients

  @Test
  void goWithInformationThenEveryCommandWithSimpleReplies() throws Exception {
    try (RawClient c = client().fixed()) {
      List<RawClient.OptionReply> l = c.go(Nbd.OPT_GO, "nvme0n1", Nbd.INFO_BLOCK_SIZE,
          Nbd.INFO_NAME, Nbd.INFO_DESCRIPTION);
      ByteBuffer export = l.get(0).buffer();
      assertEquals(Nbd.REP_INFO, l.get(0).type());
      assertEquals(Nbd.INFO_EXPORT, export.getShort(0));
      assertEquals(8L << 20, export.getLong(2));
      int flags = export.getShort(10) & 0xFFFF;
      int want = Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA
          | Nbd.FLAG_SEND_TRIM | Nbd.FLAG_SEND_WRITE_ZEROES | Nbd.FLAG_CAN_MULTI_CONN;
      assertEquals(want, flags);
      ByteBuffer bs = l.stream().map(RawClient.OptionReply::buffer)
          .filter(b -> b.getShort(0) == Nbd.INFO_BLOCK_SIZE).findFirst().orElseThrow();
      assertEquals(512, bs.getInt(2), "minimum = the namespace's block size");
      assertEquals(4096, bs.getInt(6), "preferred");
      assertEquals(32 << 20, bs.getInt(10), "maximum payload");
      assertTrue(l.stream().anyMatch(r -> r.buffer().getShort(0) == Nbd.INFO_NAME
          && new String(r.data(), 2, r.data().length - 2, StandardCharsets.UTF_8)
              .equals("nvme0n1")));
      assertTrue(l.stream().anyMatch(r -> r.buffer().getShort(0) == Nbd.INFO_DESCRIPTION));
      assertEquals(Nbd.REP_ACK, l.get(l.size() - 1).type());

      byte[] data = new byte[10_000];
      new Random(1).nextBytes(data);
      c.write(1, 1_000_000, data);
      assertArrayEquals(data, c.read(2, 1_000_000, data.length));
      c.request(Nbd.CMD_FLAG_FUA, Nbd.CMD_WRITE, 3, 0, 512, new byte[512]);
      assertEquals(new RawClient.SimpleReply(0, 3), c.simpleReply());
      c.request(0, Nbd.CMD_FLUSH, 4, 0, 0, null);
      assertEquals(new RawClient.SimpleReply(0, 4), c.simpleReply());
      c.request(0, Nbd.CMD_WRITE_ZEROES, 5, 1_000_100, 100, null);
      assertEquals(new RawClient.SimpleReply(0, 5), c.simpleReply());
      java.util.Arrays.fill(data, 100, 200, (byte) 0);
      assertArrayEquals(data, c.read(6, 1_000_000, data.length));
      c.request(Nbd.CMD_FLAG_FUA, Nbd.CMD_TRIM, 7, 0, 1 << 20, null);
      assertEquals(new RawClient.SimpleReply(0, 7), c.simpleReply());
      c.request(0, Nbd.CMD_READ, 8, 0, 0, null);
      assertEquals(new RawClient.SimpleReply(0, 8), c.simpleReply());
      c.request(0, Nbd.CMD_DISC, 9, 0, 0, null);
      assertTrue(c.closedByServer(), "DISC closes");
    }
    goodStillServes();
  }

  @Test
  void structuredRepliesCarryDataAndErrorMessages() throws Exception {
    try (RawClient c = client().fixed()) {
      c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
      assertEquals(Nbd.REP_ACK, c.reply().type());
      c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
      assertEquals(Nbd.REP_ERR_INVALID, c.reply().type(), "asked twice");
      List<RawClient.OptionReply> l = c.go(Nbd.OPT_GO, "nvme0n1");
      int flags = l.get(0).buffer().getShort(10);
      assertTrue((flags & Nbd.FLAG_SEND_DF) != 0, "DF with structured replies");

      byte[] data = new byte[8192];
      new Random(2).nextBytes(data);
      c.write(1, 4096, data);
      c.request(Nbd.CMD_FLAG_DF, Nbd.CMD_READ, 2, 4096, 8192, null);
      RawClient.Chunk k = c.chunk();
      assertEquals(Nbd.REPLY_TYPE_OFFSET_DATA, k.type());
      assertEquals(Nbd.REPLY_FLAG_DONE, k.flags());
      assertEquals(2, k.cookie());
      assertEquals(4096, k.buffer().getLong(0));
      assertArrayEquals(data, java.util.Arrays.copyOfRange(k.payload(), 8, 8 + 8192));

      c.request(0, Nbd.CMD_READ, 3, (8L << 20) - 512, 1024, null);
      RawClient.Chunk e = c.chunk();
      assertEquals(Nbd.REPLY_TYPE_ERROR, e.type());
      assertEquals(Nbd.REPLY_FLAG_DONE, e.flags());
      assertEquals(Nbd.EINVAL, e.buffer().getInt(0));
      int m = e.buffer().getShort(4);
      assertTrue(new String(e.payload(), 6, m, StandardCharsets.UTF_8).contains("READ"));

      c.request(0, Nbd.CMD_WRITE, 4, (8L << 20) - 512, 1024, new byte[1024]);
      assertEquals(Nbd.ENOSPC, c.chunk().buffer().getInt(0), "write past the end");
      c.request(0, Nbd.CMD_READ, 5, 0, 0, null);
      RawClient.Chunk none = c.chunk();
      assertEquals(Nbd.REPLY_TYPE_NONE, none.type());
    }
    goodStillServes();
  }

  @Test
  void listInfoUnknownOptionsAndAbort() throws Exception {
    try (RawClient c = client().fixed()) {
      c.option(Nbd.OPT_LIST, new byte[0]);
      List<String> names = new java.util.ArrayList<>();
      while (true) {
        RawClient.OptionReply r = c.reply();
        if (r.type() == Nbd.REP_ACK) {
          break;
        }
        assertEquals(Nbd.REP_SERVER, r.type());
        int n = r.buffer().getInt(0);
        names.add(new String(r.data(), 4, n, StandardCharsets.UTF_8));
      }
      assertEquals(List.of("nvme0n1", "nvme0n2", "ro"), names);
      c.option(Nbd.OPT_LIST, new byte[] {1});
      assertEquals(Nbd.REP_ERR_INVALID, c.reply().type(), "LIST takes no data");

      List<RawClient.OptionReply> info = c.go(Nbd.OPT_INFO, "nosuch");
      assertEquals(List.of(Nbd.REP_ERR_UNKNOWN), info.stream().map(RawClient.OptionReply::type)
          .toList());
      info = c.go(Nbd.OPT_INFO, "ro");
      assertTrue((info.get(0).buffer().getShort(10) & Nbd.FLAG_READ_ONLY) != 0);
      info = c.go(Nbd.OPT_INFO, "", Nbd.INFO_NAME);
      assertTrue(info.stream().anyMatch(r -> r.buffer().getShort(0) == Nbd.INFO_NAME
          && new String(r.data(), 2, r.data().length - 2, StandardCharsets.UTF_8)
              .equals("nvme0n1")), "the empty name is the first export");

      c.option(99, new byte[] {1, 2, 3});
      assertEquals(Nbd.REP_ERR_UNSUP, c.reply().type());
      c.option(Nbd.OPT_STARTTLS, new byte[0]);
      assertEquals(Nbd.REP_ERR_UNSUP, c.reply().type());
      c.option(Nbd.OPT_SET_META_CONTEXT, new byte[12]);
      assertEquals(Nbd.REP_ERR_UNSUP, c.reply().type());
      c.option(Nbd.OPT_GO, new byte[] {0, 0, 0, 9, 'x'});
      assertEquals(Nbd.REP_ERR_INVALID, c.reply().type(), "malformed GO");
      c.option(Nbd.OPT_ABORT, new byte[0]);
      assertEquals(Nbd.REP_ACK, c.reply().type());
      assertTrue(c.closedByServer());
    }
    goodStillServes();
  }

  @Test
  void exportNameWithAndWithoutZeroes() throws Exception {
    try (RawClient c = client()) {
      c.hello();
      c.out.writeInt(Nbd.FLAG_C_FIXED_NEWSTYLE);
      c.option(Nbd.OPT_EXPORT_NAME, "nvme0n2".getBytes(StandardCharsets.UTF_8));
      assertEquals(1L << 20, c.in.readLong());
      int flags = c.in.readUnsignedShort();
      assertTrue((flags & Nbd.FLAG_HAS_FLAGS) != 0);
      byte[] zeroes = new byte[124];
      c.in.readFully(zeroes);
      assertArrayEquals(new byte[124], zeroes);
      c.write(1, 0, new byte[] {1, 2, 3});
      assertArrayEquals(new byte[] {1, 2, 3}, c.read(2, 0, 3));
    }
    try (RawClient c = client()) {
      c.hello();
      c.out.writeInt(0); // not even fixed newstyle: only EXPORT_NAME is possible
      c.option(Nbd.OPT_EXPORT_NAME, "nvme0n2".getBytes(StandardCharsets.UTF_8));
      assertEquals(1L << 20, c.in.readLong());
      c.in.readUnsignedShort();
      c.in.readFully(new byte[124]);
      assertArrayEquals(new byte[] {1, 2, 3}, c.read(1, 0, 3));
    }
    try (RawClient c = client().fixed()) {
      c.option(Nbd.OPT_EXPORT_NAME, "nosuch".getBytes(StandardCharsets.UTF_8));
      assertTrue(c.closedByServer(), "an unknown export cannot be refused otherwise");
    }
    goodStillServes();
  }

  @Test
  void readOnlyExportRefusesWrites() throws Exception {
    try (RawClient c = client().fixed()) {
      c.go("ro");
      c.request(0, Nbd.CMD_WRITE, 1, 0, 512, new byte[512]);
      assertEquals(new RawClient.SimpleReply(Nbd.EPERM, 1), c.simpleReply());
      c.request(0, Nbd.CMD_TRIM, 2, 0, 512, null);
      assertEquals(new RawClient.SimpleReply(Nbd.EPERM, 2), c.simpleReply());
      c.request(0, Nbd.CMD_WRITE_ZEROES, 3, 0, 512, null);
      assertEquals(new RawClient.SimpleReply(Nbd.EPERM, 3), c.simpleReply());
      c.read(4, 0, 512);
    }
  }

  @Test
  void unixSocketServesToo() throws Exception {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(f.unix));
      java.io.DataInputStream in = new java.io.DataInputStream(Channels.newInputStream(ch));
      java.io.DataOutputStream out = new java.io.DataOutputStream(Channels.newOutputStream(ch));
      assertEquals(Nbd.NBDMAGIC, in.readLong());
      assertEquals(Nbd.IHAVEOPT, in.readLong());
      in.readUnsignedShort();
      out.writeInt(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES);
      out.writeLong(Nbd.IHAVEOPT);
      out.writeInt(Nbd.OPT_EXPORT_NAME);
      out.writeInt(7);
      out.write("nvme0n1".getBytes(StandardCharsets.UTF_8));
      out.flush();
      assertEquals(8L << 20, in.readLong());
      in.readUnsignedShort();
    }
    assertTrue(f.server.uris("nvme0n1").contains("nbd+unix:///nvme0n1?socket=" + f.unix));
    assertTrue(f.server.uris("nvme0n1").contains(f.uri("nvme0n1")));
  }

  // ---------------------------------------------------------------- hostile clients

  @Test
  void requestBeforeTheHandshakeCloses() throws Exception {
    try (RawClient c = client()) {
      c.hello();
      c.request(0, Nbd.CMD_READ, 1, 0, 512, null); // its magic is read as client flags
      assertTrue(c.closedByServer());
    }
    goodStillServes();
  }

  @Test
  void badOptionMagicCloses() throws Exception {
    try (RawClient c = client().fixed()) {
      c.out.writeLong(0x1122334455667788L);
      c.out.writeInt(Nbd.OPT_GO);
      c.out.writeInt(0);
      c.out.flush();
      assertTrue(c.closedByServer());
    }
    goodStillServes();
  }

  @Test
  void hugeOptionLengthClosesWithoutReadingIt() throws Exception {
    try (RawClient c = client().fixed()) {
      c.out.writeLong(Nbd.IHAVEOPT);
      c.out.writeInt(Nbd.OPT_GO);
      c.out.writeInt(-1); // 4 GiB - 1 of option data announced
      c.out.flush();
      assertTrue(c.closedByServer());
    }
    goodStillServes();
  }

  @Test
  void truncatedOptionAndTruncatedRequestClose() throws Exception {
    try (RawClient c = client().fixed()) {
      c.out.writeLong(Nbd.IHAVEOPT);
      c.out.writeInt(Nbd.OPT_GO);
      c.out.writeInt(100);
      c.out.write(new byte[10]);
      c.out.flush();
      c.socket.shutdownOutput();
      assertTrue(c.closedByServer());
    }
    try (RawClient c = client().fixed()) {
      c.go("nvme0n1");
      c.out.writeInt(Nbd.REQUEST_MAGIC);
      c.out.writeShort(0);
      c.out.flush();
      c.socket.shutdownOutput();
      assertTrue(c.closedByServer());
    }
    try (RawClient c = client().fixed()) {
      c.go("nvme0n1");
      c.request(0, Nbd.CMD_WRITE, 1, 0, 4096, new byte[100]); // payload cut short
      c.socket.shutdownOutput();
      assertTrue(c.closedByServer());
    }
    goodStillServes();
  }

  @Test
  void badRequestMagicCloses() throws Exception {
    try (RawClient c = client().fixed()) {
      c.go("nvme0n1");
      c.out.writeInt(0x12560953); // the historic magic
      c.out.write(new byte[24]);
      c.out.flush();
      assertTrue(c.closedByServer());
    }
    goodStillServes();
  }

  @Test
  void oversizedWriteClosesButOversizedReadIsRefused() throws Exception {
    try (RawClient c = client().fixed()) {
      c.go("nvme0n1");
      c.request(0, Nbd.CMD_READ, 1, 0, 64 << 20, null);
      assertEquals(new RawClient.SimpleReply(Nbd.EINVAL, 1), c.simpleReply());
      c.request(0, Nbd.CMD_WRITE, 2, 0, 64 << 20, null); // header only: payload never read
      assertTrue(c.closedByServer());
    }
    goodStillServes();
  }

  @Test
  void unknownCommandsFlagsAndRangesAreRefusedAndTheConnectionGoesOn() throws Exception {
    try (RawClient c = client().fixed()) {
      c.go("nvme0n1");
      c.request(0, 42, 1, 0, 0, null);
      assertEquals(new RawClient.SimpleReply(Nbd.EINVAL, 1), c.simpleReply());
      c.request(0x8000, Nbd.CMD_READ, 2, 0, 512, null);
      assertEquals(new RawClient.SimpleReply(Nbd.EINVAL, 2), c.simpleReply());
      c.request(Nbd.CMD_FLAG_DF, Nbd.CMD_READ, 3, 0, 512, null);
      assertEquals(new RawClient.SimpleReply(Nbd.EINVAL, 3), c.simpleReply(), "DF unnegotiated");
      c.request(Nbd.CMD_FLAG_FAST_ZERO, Nbd.CMD_WRITE_ZEROES, 4, 0, 512, null);
      assertEquals(new RawClient.SimpleReply(Nbd.EINVAL, 4), c.simpleReply());
      c.request(0, Nbd.CMD_READ, 5, -512, 512, null); // offset 2^64 - 512
      assertEquals(new RawClient.SimpleReply(Nbd.EINVAL, 5), c.simpleReply());
      c.request(0, Nbd.CMD_WRITE, 6, 8L << 20, 512, new byte[512]);
      assertEquals(new RawClient.SimpleReply(Nbd.ENOSPC, 6), c.simpleReply());
      c.request(Nbd.CMD_FLAG_NO_HOLE, Nbd.CMD_WRITE, 7, 0, 512, new byte[512]);
      assertEquals(new RawClient.SimpleReply(Nbd.EINVAL, 7), c.simpleReply());
      c.request(0, Nbd.CMD_BLOCK_STATUS, 8, 0, 512, null);
      assertEquals(new RawClient.SimpleReply(Nbd.EINVAL, 8), c.simpleReply());
      // Still in sync: a normal request after all that.
      c.write(9, 512, new byte[] {9});
      assertArrayEquals(new byte[] {9}, c.read(10, 512, 1));
    }
    goodStillServes();
  }

  @Test
  void unknownClientFlagsClose() throws Exception {
    try (RawClient c = client()) {
      c.hello();
      c.out.writeInt(Nbd.FLAG_C_FIXED_NEWSTYLE | 1 << 7);
      c.out.flush();
      assertTrue(c.closedByServer());
    }
    goodStillServes();
  }

  @Test
  void garbageStreamsAreSurvived() throws Exception {
    Random r = new Random(3);
    for (int i = 0; i < 20; i++) {
      try (RawClient c = client()) {
        c.hello();
        byte[] junk = new byte[1 + r.nextInt(200)];
        r.nextBytes(junk);
        if (i % 2 == 0) {
          c.out.writeInt(Nbd.FLAG_C_FIXED_NEWSTYLE);
          c.out.writeLong(Nbd.IHAVEOPT);
        }
        c.out.write(junk);
        c.out.flush();
        c.socket.shutdownOutput();
        assertTrue(c.closedByServer(), "junk " + i);
      }
    }
    goodStillServes();
  }

  @Test
  void silentClientsAreClosedAfterTheHandshakeTimeoutAndExtraConnectionsRefused()
      throws Exception {
    NbdServer.Limits limits = NbdServer.Limits.defaults()
        .withHandshakeTimeout(Duration.ofMillis(300))
        .withMaxConnections(2);
    try (NbdFixture g = NbdFixture.start(limits, null, 1L << 20);
        RawClient silent = new RawClient(g.tcp);
        RawClient second = new RawClient(g.tcp)) {
      silent.hello();
      second.fixed().go("nvme0n1");
      assertTrue(silent.closedByServer(), "closed by the handshake timeout");
      // Wait until the server has let the silent one go, then fill the slot and overflow it.
      while (g.server.connectionCount() > 1) {
        Thread.onSpinWait();
      }
      try (RawClient third = new RawClient(g.tcp); RawClient fourth = new RawClient(g.tcp)) {
        third.hello();
        assertTrue(fourth.closedByServer(), "over the limit");
      }
      assertArrayEquals(new byte[4], second.read(1, 0, 4), "the established one goes on");
    }
  }

  @Test
  void removedExportClosesItsConnections() throws Exception {
    try (NbdFixture g = NbdFixture.start(NbdServer.Limits.defaults(), null, 1L << 20);
        RawClient c = new RawClient(g.tcp)) {
      c.fixed().go("nvme0n1");
      g.server.removeExport("nvme0n1");
      assertTrue(c.closedByServer());
      assertFalse(g.server.exports().containsKey("nvme0n1"));
      NvmeBlockDevice d = g.disks.get(0);
      assertFalse(d.removed(), "the device itself stays");
    }
  }
}
