package io.jnvme.spec;

import static io.jnvme.spec.Layouts.BASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Dataset Management range, against NVM Command Set 1.0 §3.2.3 "Dataset Management command"
 * (range definition: context attributes 03:00, length 07:04, starting LBA 15:08; CDW10.NR 7:0
 * zero based; CDW11 bits AD 2, IDW 1, IDR 0).
 */
class DsmRangeTest {

  @Test
  void sizeAndOffsets() {
    assertEquals(16, DsmRange.SIZE);
    assertEquals(256, DsmRange.MAX_RANGES);
    assertEquals(4096, DsmRange.SIZE * DsmRange.MAX_RANGES); // a full list is one 4 KiB page
    Layouts.assertOffsets(DsmRange.class, Map.of(
        "CONTEXT_ATTRIBUTES_OFFSET", 0,
        "LENGTH_OFFSET", 4,
        "SLBA_OFFSET", 8));
  }

  @Test
  void settersWriteTheirSpecBytes() {
    ByteBuffer buf = Layouts.buffer(16);
    DsmRange r = new DsmRange().wrap(buf, BASE);
    r.contextAttributes(0x0A00_0000).length(0xFFFF_FFFFL).slba(0x0000_1234_5678_9ABCL);
    assertEquals(0x0A00_0000, Layouts.i32(buf, 0));
    assertEquals(0xFFFF_FFFF, Layouts.i32(buf, 4));
    assertEquals(0x0000_1234_5678_9ABCL, Layouts.i64(buf, 8));
    assertEquals(0xFFFF_FFFFL, r.length()); // unsigned
    assertEquals(0x0000_1234_5678_9ABCL, r.slba());
    assertEquals(0x0A00_0000, r.contextAttributes());
  }

  @Test
  void attributeBits() {
    assertEquals(0x1, DsmRange.CDW11_IDR);
    assertEquals(0x2, DsmRange.CDW11_IDW);
    assertEquals(0x4, DsmRange.CDW11_AD);
  }

  @Test
  void rangesTileAPage() {
    ByteBuffer page = ByteBuffer.allocate(4096);
    DsmRange r = new DsmRange();
    r.wrap(page, 255 * DsmRange.SIZE);
    assertThrows(IndexOutOfBoundsException.class, () -> r.wrap(page, 256 * DsmRange.SIZE));
  }
}
