package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** VS layout, against NVMe Base 2.0 §3.1.4.2 "Offset 8h: VS – Version". */
class VsTest {

  @Test
  void majorMinorTertiaryBits() {
    // MJR 31:16, MNR 15:8, TER 7:0. NVMe 1.4.0 reads 00010400h.
    Vs v = new Vs(0x0001_0400);
    assertEquals(1, v.major());
    assertEquals(4, v.minor());
    assertEquals(0, v.tertiary());
    assertEquals("1.4.0", v.toString());
  }

  @Test
  void version2Constant() {
    assertEquals(0x0002_0000, Vs.V2_0.raw());
    assertEquals(0x0001_0201, Vs.of(1, 2, 1).raw());
  }

  @Test
  void edgeValues() {
    Vs v = Vs.of(0xFFFF, 0xFF, 0xFF);
    assertEquals(0xFFFF_FFFF, v.raw());
    assertEquals(0xFFFF, v.major());
    assertEquals(0xFF, v.minor());
    assertEquals(0xFF, v.tertiary());
  }
}
