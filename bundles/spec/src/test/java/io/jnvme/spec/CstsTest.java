package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** CSTS bit positions, against NVMe Base 2.0 §3.1.4.6 "Offset 1Ch: CSTS – Controller Status". */
class CstsTest {

  @Test
  void decodesEachBit() {
    // RDY 0, CFS 1, SHST 3:2, NSSRO 4, PP 5.
    assertTrue(new Csts(0x01).rdy());
    assertTrue(new Csts(0x02).cfs());
    assertEquals(Csts.SHST_OCCURRING, new Csts(0x04).shst());
    assertEquals(Csts.SHST_COMPLETE, new Csts(0x08).shst());
    assertTrue(new Csts(0x10).nssro());
    assertTrue(new Csts(0x20).pp());
    Csts zero = new Csts(0);
    assertFalse(zero.rdy() || zero.cfs() || zero.nssro() || zero.pp());
    assertEquals(Csts.SHST_NORMAL, zero.shst());
  }

  @Test
  void shutdownStatusEncodings() {
    assertEquals(0, Csts.SHST_NORMAL);
    assertEquals(1, Csts.SHST_OCCURRING);
    assertEquals(2, Csts.SHST_COMPLETE);
  }

  @Test
  void builderRoundTrips() {
    assertEquals(0x01, Csts.of(true, false, Csts.SHST_NORMAL).raw());
    assertEquals(0x02, Csts.of(false, true, Csts.SHST_NORMAL).raw());
    assertEquals(0x09, Csts.of(true, false, Csts.SHST_COMPLETE).raw());
    Csts c = Csts.of(true, true, Csts.SHST_OCCURRING);
    assertTrue(c.rdy());
    assertTrue(c.cfs());
    assertEquals(Csts.SHST_OCCURRING, c.shst());
  }

  @Test
  void allOnesMeansDeviceGone() {
    assertTrue(new Csts(0xFFFF_FFFF).allOnes());
    assertFalse(new Csts(0x0000_003F).allOnes());
    assertTrue(new Csts(0xFFFF_FFFF).toString().contains("all-ones"));
  }
}
