package io.jnvme.dma.pagepool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.dma.pagepool.internal.PoolLayout.Header;
import io.jnvme.dma.pagepool.internal.PoolLayout.SlotRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The version-1 layout: sizes, offsets and encodings as the package documentation states. */
class PoolLayoutTest {
  @Test
  void sizesAndOffsetsMatchTheDocumentedFormat() {
    assertEquals(1, PoolLayout.FORMAT_VERSION);
    assertEquals(92, PoolLayout.HEADER_SIZE);
    assertTrue(PoolLayout.HEADER_SIZE <= PoolLayout.HOLDER_OFFSET);
    assertEquals(PoolLayout.HOLDER_OFFSET + PoolLayout.HOLDER_SIZE,
        PoolLayout.HOLDER_OFFSET + PoolLayout.HOLDER_CRC_OFFSET + 4);
    assertTrue(PoolLayout.HOLDER_TEXT_OFFSET + PoolLayout.HOLDER_TEXT_MAX
        <= PoolLayout.HOLDER_CRC_OFFSET);
    assertTrue(PoolLayout.HOLDER_OFFSET + PoolLayout.HOLDER_SIZE <= PoolLayout.SLOT_TABLE_OFFSET);
    assertEquals(180, PoolLayout.SLOT_TAG_OFFSET);
    assertEquals(PoolLayout.SLOT_CRC_OFFSET, PoolLayout.SLOT_TAG_OFFSET + PoolLayout.TAG_MAX + 8);
    assertEquals(PoolLayout.SLOT_RECORD_SIZE, PoolLayout.SLOT_CRC_OFFSET + 4);
    assertEquals(4096 + 512, PoolLayout.slotCopyOffset(1, 0));
    assertEquals(4096 + 768, PoolLayout.slotCopyOffset(1, 1));
    assertEquals(5 * 4096, PoolLayout.dataOffset(32));
    assertEquals(2 * 4096, PoolLayout.dataOffset(1));
    assertEquals(33_558_528L, PoolLayout.dataOffset(65_535)); // 4096 + 65535 * 512, next page
  }

  @Test
  void magicsSpellTheirNames() {
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, PoolLayout.MAGIC);
    assertEquals("JNVMEPGP", new String(b.array(), StandardCharsets.US_ASCII));
    b.putInt(0, PoolLayout.SLOT_MAGIC);
    assertEquals("SLOT", new String(b.array(), 0, 4, StandardCharsets.US_ASCII));
    b.putInt(0, PoolLayout.HOLDER_MAGIC);
    assertEquals("HOLD", new String(b.array(), 0, 4, StandardCharsets.US_ASCII));
  }

  @Test
  void headerRoundTripsAndChecksItsGeometry() {
    Header h = Header.create(1L << 20, 0x40_0000_0000L, 16, 1234, new UUID(1, 2));
    byte[] raw = h.encode();
    assertEquals(h, Header.decode(raw, 1L << 20));
    IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
        () -> Header.decode(raw, 2L << 20));
    assertTrue(size.getMessage().contains("truncated or extended"), size.getMessage());
    Header tooSmall = Header.create(PoolLayout.dataOffset(16), 0, 16, 0, new UUID(0, 0));
    assertThrows(IllegalArgumentException.class,
        () -> Header.decode(tooSmall.encode(), tooSmall.poolSize()));
  }

  @Test
  void slotRecordsRoundTripAndATornOneIsInvalid() {
    SlotRecord r = new SlotRecord(PoolLayout.ALLOCATED, 7, 42, 9, 8192, 4096, 555, "0000:01:00.0",
        "ioq1.sq");
    byte[] raw = r.encode();
    assertEquals(r, SlotRecord.decode(raw));
    SlotRecord longest = new SlotRecord(PoolLayout.RESERVED, 65_535, 1, 1, 0, 0, 0,
        "d".repeat(128), "t".repeat(64));
    assertEquals(longest, SlotRecord.decode(longest.encode()));
    assertThrows(IllegalArgumentException.class, () -> new SlotRecord(PoolLayout.FREE, 0, 0, 0,
        0, 0, 0, "d".repeat(129), "").encode());
    for (int i = 0; i < raw.length; i++) {
      byte[] torn = raw.clone();
      torn[i] ^= 0x40;
      assertNull(SlotRecord.decode(torn), "a flipped bit at " + i + " is caught");
    }
    assertNull(SlotRecord.decode(new byte[PoolLayout.SLOT_RECORD_SIZE]));
  }

  @Test
  void holderRecordRoundTrips() {
    byte[] raw = PoolLayout.encodeHolder(4321, 0, "cmd=x".repeat(100));
    assertEquals(4321, PoolLayout.holderPid(raw));
    String text = PoolLayout.decodeHolder(raw);
    assertTrue(text.startsWith("pid=4321 since=1970-01-01T00:00:00Z cmd=x"), text);
    raw[30] ^= 1;
    assertNull(PoolLayout.decodeHolder(raw));
    assertEquals(-1, PoolLayout.holderPid(raw));
  }
}
