package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** CAP bit positions, against NVMe Base 2.0 §3.1.4.1 "Offset 0h: CAP – Controller Capabilities". */
class CapTest {

  @Test
  void decodesEachFieldFromItsBits() {
    // MQES 15:0, CQR 16, AMS 18:17, TO 31:24, DSTRD 35:32, NSSRS 36, CSS 44:37, BPS 45,
    // MPSMIN 51:48, MPSMAX 55:52, PMRS 56, CMBS 57, CRMS 60:59.
    assertEquals(0x1234, new Cap(0x1234L).mqesZ());
    assertTrue(new Cap(1L << 16).cqr());
    assertEquals(3, new Cap(3L << 17).ams());
    assertEquals(0xA5, new Cap(0xA5L << 24).to());
    assertEquals(0x7, new Cap(0x7L << 32).dstrd());
    assertTrue(new Cap(1L << 36).nssrs());
    assertEquals(0x41, new Cap(0x41L << 37).css());
    assertTrue(new Cap(1L << 45).bps());
    assertEquals(0x3, new Cap(0x3L << 48).mpsmin());
    assertEquals(0x9, new Cap(0x9L << 52).mpsmax());
    assertTrue(new Cap(1L << 56).pmrs());
    assertTrue(new Cap(1L << 57).cmbs());
    assertEquals(0x2, new Cap(0x2L << 59).crms());
  }

  @Test
  void neighbouringBitsDoNotLeak() {
    Cap none = new Cap(0);
    Cap all = new Cap(-1L);
    assertFalse(none.cqr() || none.nssrs() || none.bps() || none.pmrs() || none.cmbs());
    assertEquals(0xFFFF, all.mqesZ());
    assertEquals(0x3, all.ams());
    assertEquals(0xFF, all.to());
    assertEquals(0xF, all.dstrd());
    assertEquals(0xFF, all.css());
    assertEquals(0xF, all.mpsmin());
    assertEquals(0xF, all.mpsmax());
    assertEquals(0x3, all.crms());
  }

  @Test
  void typicalControllerValue() {
    // A QEMU-like CAP: MQES=7FFh, CQR=1, TO=0Fh, DSTRD=0, NSSRS=0, CSS=NVM (bit 37), MPSMAX=4.
    Cap cap = new Cap(0x0040_0020_0F01_07FFL);
    assertEquals(0x7FF, cap.mqesZ());
    assertEquals(2048, cap.maxQueueEntries());
    assertTrue(cap.cqr());
    assertEquals(0, cap.ams());
    assertEquals(15, cap.to());
    assertEquals(7500, cap.timeoutMillis());
    assertEquals(0, cap.dstrd());
    assertEquals(Cap.CSS_NVM, cap.css());
    assertEquals(0, cap.mpsmin());
    assertEquals(4, cap.mpsmax());
  }

  @Test
  void mqesIsZeroBased() {
    Cap max = Cap.of(0xFFFF, false, 1, 0, Cap.CSS_NVM, 0, 0);
    assertEquals(0xFFFF, max.mqesZ());
    assertEquals(65536, max.maxQueueEntries());
    assertEquals(0x0000_0020_0100_FFFFL, max.raw());
    assertEquals(2, Cap.of(1, false, 1, 0, 1, 0, 0).maxQueueEntries());
  }

  @Test
  void timeoutIsIn500MsUnitsAndNeverZero() {
    assertEquals(500, Cap.of(0, false, 0, 0, 1, 0, 0).timeoutMillis());
    assertEquals(500, Cap.of(0, false, 1, 0, 1, 0, 0).timeoutMillis());
    assertEquals(255 * 500, Cap.of(0, false, 0xFF, 0, 1, 0, 0).timeoutMillis());
  }

  @Test
  void builderPlacesFieldsAtSpecBits() {
    assertEquals(0x0000_0000_0000_FFFFL, Cap.of(0xFFFF, false, 0, 0, 0, 0, 0).raw());
    assertEquals(0x0000_0000_0001_0000L, Cap.of(0, true, 0, 0, 0, 0, 0).raw());
    assertEquals(0x0000_0000_FF00_0000L, Cap.of(0, false, 0xFF, 0, 0, 0, 0).raw());
    assertEquals(0x0000_000F_0000_0000L, Cap.of(0, false, 0, 15, 0, 0, 0).raw());
    assertEquals(0x0000_1FE0_0000_0000L, Cap.of(0, false, 0, 0, 0xFF, 0, 0).raw());
    assertEquals(0x000F_0000_0000_0000L, Cap.of(0, false, 0, 0, 0, 15, 0).raw());
    assertEquals(0x00F0_0000_0000_0000L, Cap.of(0, false, 0, 0, 0, 0, 15).raw());
  }

  @Test
  void roundTripsEdgeValues() {
    Cap cap = Cap.of(0xFFFF, true, 0, 15, Cap.CSS_NVM | Cap.CSS_IO_COMMAND_SETS, 0, 15);
    assertEquals(0xFFFF, cap.mqesZ());
    assertTrue(cap.cqr());
    assertEquals(0, cap.to());
    assertEquals(15, cap.dstrd());
    assertEquals(0x41, cap.css());
    assertEquals(0, cap.mpsmin());
    assertEquals(15, cap.mpsmax());
    assertFalse(cap.nssrs());
  }

  @Test
  void commandSetBits() {
    assertEquals(0x01, Cap.CSS_NVM);
    assertEquals(0x40, Cap.CSS_IO_COMMAND_SETS);
    assertEquals(0x80, Cap.CSS_ADMIN_ONLY);
  }
}
