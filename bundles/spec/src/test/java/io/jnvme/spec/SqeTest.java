package io.jnvme.spec;

import static io.jnvme.spec.Layouts.BASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Submission Queue Entry layout, against NVMe Base 2.0 "Common Command Format" (the 64-byte SQE:
 * CDW0, NSID, CDW2, CDW3, MPTR, DPTR, CDW10..CDW15).
 */
class SqeTest {
  private ByteBuffer buf;
  private Sqe sqe;

  @BeforeEach
  void wrap() {
    buf = Layouts.buffer(64);
    sqe = new Sqe().wrap(buf, BASE);
  }

  @Test
  void sizeIs64Bytes() {
    assertEquals(64, Sqe.SIZE);
    assertEquals(64, sqe.size());
    assertEquals(6, Sqe.SIZE_LOG2); // CC.IOSQES = 6
    assertEquals(Sqe.SIZE, 1 << Sqe.SIZE_LOG2);
  }

  @Test
  void offsets() {
    // Bytes 03:00 CDW0, 07:04 NSID, 11:08 CDW2, 15:12 CDW3, 23:16 MPTR,
    // 39:24 DPTR (PRP1 31:24, PRP2 39:32), 43:40 CDW10 ... 63:60 CDW15.
    Layouts.assertOffsets(Sqe.class, Map.ofEntries(
        Map.entry("CDW0_OFFSET", 0),
        Map.entry("NSID_OFFSET", 4),
        Map.entry("CDW2_OFFSET", 8),
        Map.entry("CDW3_OFFSET", 12),
        Map.entry("MPTR_OFFSET", 16),
        Map.entry("PRP1_OFFSET", 24),
        Map.entry("PRP2_OFFSET", 32),
        Map.entry("CDW10_OFFSET", 40),
        Map.entry("CDW11_OFFSET", 44),
        Map.entry("CDW12_OFFSET", 48),
        Map.entry("CDW13_OFFSET", 52),
        Map.entry("CDW14_OFFSET", 56),
        Map.entry("CDW15_OFFSET", 60)));
  }

  @Test
  void settersWriteTheirSpecBytes() {
    sqe.nsid(0x1122_3344);
    assertEquals(0x1122_3344, Layouts.i32(buf, 4));
    sqe.cdw2(0x0202_0202);
    assertEquals(0x0202_0202, Layouts.i32(buf, 8));
    sqe.cdw3(0x0303_0303);
    assertEquals(0x0303_0303, Layouts.i32(buf, 12));
    sqe.mptr(0x1000_2000_3000_4000L);
    assertEquals(0x1000_2000_3000_4000L, Layouts.i64(buf, 16));
    sqe.prp1(0xAAAA_0000_1000L);
    assertEquals(0xAAAA_0000_1000L, Layouts.i64(buf, 24));
    sqe.prp2(0xBBBB_0000_2000L);
    assertEquals(0xBBBB_0000_2000L, Layouts.i64(buf, 32));
    int[] values = {0x1010_1010, 0x1111_1111, 0x1212_1212, 0x1313_1313, 0x1414_1414, 0x1515_1515};
    sqe.cdw10(values[0]).cdw11(values[1]).cdw12(values[2]).cdw13(values[3]).cdw14(values[4])
        .cdw15(values[5]);
    for (int i = 0; i < values.length; i++) {
      assertEquals(values[i], Layouts.i32(buf, 40 + 4 * i), "cdw" + (10 + i));
      assertEquals(values[i], sqe.cdw(10 + i));
    }
  }

  @Test
  void cdw0Fields() {
    // OPC 7:0, FUSE 9:8, PSDT 15:14, CID 31:16.
    sqe.opcode(0x02).cid(0xBEEF);
    assertEquals(0xBEEF_0002, Layouts.i32(buf, 0));
    sqe.fuse(1);
    assertEquals(0xBEEF_0102, sqe.cdw0());
    sqe.psdt(2);
    assertEquals(0xBEEF_8102, sqe.cdw0());
    assertEquals(1, sqe.fuse());
    assertEquals(2, sqe.psdt());
    sqe.fuse(0);
    assertEquals(0xBEEF_8002, sqe.cdw0());
    sqe.cdw0(0xFFFF_FFFF);
    assertEquals(0xFF, sqe.opcode());
    assertEquals(3, sqe.fuse());
    assertEquals(3, sqe.psdt());
    assertEquals(0xFFFF, sqe.cid());
  }

  @Test
  void startingLbaIsSplitLowInCdw10HighInCdw11() {
    sqe.slba(0x0123_4567_89AB_CDEFL);
    assertEquals(0x89AB_CDEF, Layouts.i32(buf, 40));
    assertEquals(0x0123_4567, Layouts.i32(buf, 44));
    assertEquals(0x0123_4567_89AB_CDEFL, sqe.slba());
  }

  @Test
  void startingLbaEdgeValues() {
    sqe.slba(0xFFFF_FFFFL);
    assertEquals(0xFFFF_FFFF, sqe.cdw10());
    assertEquals(0, sqe.cdw11());
    assertEquals(0xFFFF_FFFFL, sqe.slba()); // low dword is not sign extended
    sqe.slba(1L << 32);
    assertEquals(0, sqe.cdw10());
    assertEquals(1, sqe.cdw11());
    sqe.slba(-1L);
    assertEquals(-1L, sqe.slba());
  }

  @Test
  void cdwByIndexMatchesNamedDwords() {
    for (int n = 0; n < 16; n++) {
      sqe.cdw(n, 0x100 + n);
    }
    assertEquals(0x100, sqe.cdw0());
    assertEquals(0x101, sqe.nsid());
    assertEquals(0x10A, sqe.cdw10());
    assertEquals(0x10F, sqe.cdw15());
    assertEquals(0x10F, Layouts.i32(buf, 60));
  }

  @Test
  void clearZeroesOnlyTheEntry() {
    buf.put(BASE - 1, (byte) 0x5A);
    buf.put(BASE + 64, (byte) 0xA5);
    for (int n = 0; n < 16; n++) {
      sqe.cdw(n, -1);
    }
    sqe.clear();
    assertEquals(2, Layouts.nonZeroBytes(buf));
  }

  @Test
  void wrapRejectsAnEntryThatDoesNotFit() {
    ByteBuffer ring = ByteBuffer.allocate(4 * 64);
    Sqe s = new Sqe();
    s.wrap(ring, 3 * 64);
    assertThrows(IndexOutOfBoundsException.class, () -> s.wrap(ring, 3 * 64 + 1));
    assertThrows(IndexOutOfBoundsException.class, () -> s.wrap(ring, -1));
    assertThrows(IndexOutOfBoundsException.class, () -> s.wrap(ByteBuffer.allocate(63), 0));
  }
}
