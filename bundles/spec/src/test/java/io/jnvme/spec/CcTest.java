package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** CC bit positions, against NVMe Base 2.0 §3.1.4.5 "Offset 14h: CC – Controller Configuration". */
class CcTest {

  @Test
  void withersPlaceFieldsAtSpecBits() {
    // EN 0, CSS 6:4, MPS 10:7, AMS 13:11, SHN 15:14, IOSQES 19:16, IOCQES 23:20.
    Cc zero = new Cc(0);
    assertEquals(0x0000_0001, zero.withEn(true).raw());
    assertEquals(0x0000_0070, zero.withCss(7).raw());
    assertEquals(0x0000_0780, zero.withMps(15).raw());
    assertEquals(0x0000_3800, zero.withAms(7).raw());
    assertEquals(0x0000_C000, zero.withShn(3).raw());
    assertEquals(0x000F_0000, zero.withIosqes(15).raw());
    assertEquals(0x00F0_0000, zero.withIocqes(15).raw());
  }

  @Test
  void typicalEnableValue() {
    // Linux and SPDK enable with IOSQES=6, IOCQES=4, MPS=0 (4 KiB), CSS=NVM: 0x00460001.
    Cc cc = new Cc(0).withIosqes(Sqe.SIZE_LOG2).withIocqes(Cqe.SIZE_LOG2).withMps(0)
        .withCss(Cc.CSS_NVM).withAms(Cc.AMS_ROUND_ROBIN).withEn(true);
    assertEquals(0x0046_0001, cc.raw());
    assertTrue(cc.en());
    assertEquals(6, cc.iosqes());
    assertEquals(4, cc.iocqes());
  }

  @Test
  void decodesAndKeepsOtherFields() {
    Cc cc = new Cc(0xFFFF_FFFF);
    assertTrue(cc.en());
    assertEquals(7, cc.css());
    assertEquals(15, cc.mps());
    assertEquals(7, cc.ams());
    assertEquals(3, cc.shn());
    assertEquals(15, cc.iosqes());
    assertEquals(15, cc.iocqes());
    Cc cleared = cc.withEn(false).withShn(Cc.SHN_NONE);
    assertFalse(cleared.en());
    assertEquals(0xFFFF_3FFE, cleared.raw());
    assertEquals(0xFFFF_7FFF, cc.withShn(Cc.SHN_NORMAL).raw());
    assertEquals(0xFFFF_BFFF, cc.withShn(Cc.SHN_ABRUPT).raw());
  }

  @Test
  void withersMaskOverlongValues() {
    assertEquals(0x0000_0010, new Cc(0).withCss(0x9).raw());
    assertEquals(0x0000_0080, new Cc(0).withMps(0x11).raw());
  }

  @Test
  void constantsMatchTheSpecEncodings() {
    assertEquals(1, Cc.SHN_NORMAL);
    assertEquals(2, Cc.SHN_ABRUPT);
    assertEquals(0b000, Cc.CSS_NVM);
    assertEquals(0b110, Cc.CSS_ALL_IO);
    assertEquals(0b111, Cc.CSS_ADMIN_ONLY);
    assertEquals(0b001, Cc.AMS_WEIGHTED_ROUND_ROBIN);
    assertEquals(0b111, Cc.AMS_VENDOR_SPECIFIC);
  }
}
