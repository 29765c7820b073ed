package io.jnvme.disk.nbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionParserTest {
  private static ByteBuffer info(int nameLength, byte[] name, int count, int... requests) {
    ByteBuffer b = ByteBuffer.allocate(4 + name.length + 2 + 2 * requests.length);
    b.putInt(nameLength).put(name).putShort((short) count);
    for (int r : requests) {
      b.putShort((short) r);
    }
    return b.flip();
  }

  @Test
  void parsesNameAndRequests() throws Exception {
    OptionParser.InfoRequest r = OptionParser.parseInfo(
        info(7, "nvme0n1".getBytes(), 2, Nbd.INFO_BLOCK_SIZE, Nbd.INFO_NAME));
    assertEquals("nvme0n1", r.name());
    assertEquals(List.of(Nbd.INFO_BLOCK_SIZE, Nbd.INFO_NAME), r.requests());
    assertEquals("", OptionParser.parseInfo(info(0, new byte[0], 0)).name());
    assertEquals("é", OptionParser.parseInfo(info(2, "é".getBytes(
        java.nio.charset.StandardCharsets.UTF_8), 0)).name());
  }

  @Test
  void refusesMalformedData() {
    assertThrows(OptionParser.InvalidOption.class,
        () -> OptionParser.parseInfo(ByteBuffer.allocate(5)), "too short");
    assertThrows(OptionParser.InvalidOption.class,
        () -> OptionParser.parseInfo(info(-1, "x".getBytes(), 0)), "name length 2^32 - 1");
    assertThrows(OptionParser.InvalidOption.class,
        () -> OptionParser.parseInfo(info(2, "x".getBytes(), 0)), "name beyond the data");
    assertThrows(OptionParser.InvalidOption.class,
        () -> OptionParser.parseInfo(info(1, "x".getBytes(), 3, 1)), "count beyond the data");
    assertThrows(OptionParser.InvalidOption.class,
        () -> OptionParser.parseInfo(info(1, "x".getBytes(), 0, 1)), "trailing bytes");
    assertThrows(OptionParser.InvalidOption.class,
        () -> OptionParser.parseInfo(info(2, new byte[] {(byte) 0xC3, 0x28}, 0)), "bad UTF-8");
    assertThrows(OptionParser.InvalidOption.class,
        () -> OptionParser.parseInfo(info(3, new byte[] {'a', 0, 'b'}, 0)), "NUL");
    OptionParser.InvalidOption e = assertThrows(OptionParser.InvalidOption.class,
        () -> OptionParser.parseInfo(info(5000, new byte[5000], 0)));
    assertTrue(e.getMessage().contains("4096"), e.getMessage());
  }
}
