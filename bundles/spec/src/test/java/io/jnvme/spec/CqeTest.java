package io.jnvme.spec;

import static io.jnvme.spec.Layouts.BASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Completion Queue Entry layout, against NVMe Base 2.0 "Common Completion Queue Entry Layout":
 * DW0, DW1, DW2 (SQHD 15:0, SQID 31:16), DW3 (CID 15:0, P 16, Status 31:17).
 */
class CqeTest {
  private ByteBuffer buf;
  private Cqe cqe;

  @BeforeEach
  void wrap() {
    buf = Layouts.buffer(16);
    cqe = new Cqe().wrap(buf, BASE);
  }

  @Test
  void sizeIs16Bytes() {
    assertEquals(16, Cqe.SIZE);
    assertEquals(16, cqe.size());
    assertEquals(4, Cqe.SIZE_LOG2); // CC.IOCQES = 4
    assertEquals(Cqe.SIZE, 1 << Cqe.SIZE_LOG2);
  }

  @Test
  void offsets() {
    Layouts.assertOffsets(Cqe.class, Map.of(
        "DW0_OFFSET", 0,
        "DW1_OFFSET", 4,
        "SQHD_OFFSET", 8,
        "SQID_OFFSET", 10,
        "CID_OFFSET", 12,
        "STATUS_OFFSET", 14,
        "DW3_OFFSET", 12));
  }

  @Test
  void settersWriteTheirSpecBytes() {
    cqe.dw0(0xCAFE_BABE).dw1(0x0102_0304).sqhd(0x1234).sqid(0x5678).cid(0x9ABC)
        .statusWord(0xDEF1);
    assertEquals(0xCAFE_BABE, Layouts.i32(buf, 0));
    assertEquals(0x0102_0304, Layouts.i32(buf, 4));
    assertEquals(0x5678_1234, Layouts.i32(buf, 8));
    assertEquals(0xDEF1_9ABC, Layouts.i32(buf, 12));
  }

  @Test
  void phaseIsBit16OfDw3AndStatusBits31To17() {
    buf.putInt(BASE + 12, 0x0001_0000 | 7); // P = 1, CID = 7
    assertTrue(cqe.phase());
    assertEquals(7, cqe.cid());
    assertTrue(cqe.status().isSuccess());

    // SCT = 1, SC = 02h (Invalid Queue Size), DNR set, phase 0.
    int status = (1 << 14) | (1 << 8) | 0x02;
    buf.putInt(BASE + 12, status << 17);
    assertFalse(cqe.phase());
    assertEquals(status, cqe.statusRaw());
    assertTrue(cqe.status().is(Status.INVALID_QUEUE_SIZE));
    assertTrue(cqe.status().dnr());
  }

  @Test
  void statusWordPacking() {
    assertEquals(0x0001, Cqe.statusWord(0, true));
    assertEquals(0x0004, Cqe.statusWord(0x02, false));
    assertEquals(0xFFFF, Cqe.statusWord(0x7FFF, true));
    assertEquals(0xFFFE, Cqe.statusWord(0xFFFF, false)); // only 15 status bits
  }

  @Test
  void wrapRejectsAnEntryThatDoesNotFit() {
    ByteBuffer ring = ByteBuffer.allocate(2 * 16);
    Cqe c = new Cqe();
    c.wrap(ring, 16);
    assertThrows(IndexOutOfBoundsException.class, () -> c.wrap(ring, 17));
  }
}
