package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ErrorLogEntryTest {
  @Test
  void offsetsFollowFigure206() {
    assertEquals(64, ErrorLogEntry.SIZE);
    assertEquals(0, ErrorLogEntry.ERROR_COUNT_OFFSET);
    assertEquals(8, ErrorLogEntry.SQID_OFFSET);
    assertEquals(10, ErrorLogEntry.CID_OFFSET);
    assertEquals(12, ErrorLogEntry.STATUS_OFFSET);
    assertEquals(14, ErrorLogEntry.PARAMETER_ERROR_LOCATION_OFFSET);
    assertEquals(16, ErrorLogEntry.LBA_OFFSET);
    assertEquals(24, ErrorLogEntry.NSID_OFFSET);
    assertEquals(28, ErrorLogEntry.VENDOR_SPECIFIC_OFFSET);
    assertEquals(29, ErrorLogEntry.TRTYPE_OFFSET);
    assertEquals(32, ErrorLogEntry.COMMAND_SPECIFIC_OFFSET);
    assertEquals(40, ErrorLogEntry.TRTYPE_SPECIFIC_OFFSET);
  }

  @Test
  void statusWordKeepsThePhaseTagInBitZero() {
    ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
    ErrorLogEntry e = new ErrorLogEntry().wrap(b, 64);
    e.errorCount(5).sqid(3).cid(0x1234).statusWord(Cqe.statusWord(Status.LBA_OUT_OF_RANGE.raw(), false)).nsid(2);
    assertEquals(5, b.getLong(64));
    assertEquals(3, b.getShort(72));
    assertEquals(0x1234, b.getShort(74));
    assertEquals(Status.LBA_OUT_OF_RANGE, e.status());
    assertEquals(2, b.getInt(88));
  }
}
