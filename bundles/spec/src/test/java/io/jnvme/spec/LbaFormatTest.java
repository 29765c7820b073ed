package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** LBA Format Data Structure, against NVM Command Set 1.0 §4.1.5.1 (LBAF0..LBAF63 entries). */
class LbaFormatTest {

  @Test
  void fieldBits() {
    // MS 15:0, LBADS 23:16, RP 25:24.
    LbaFormat f = new LbaFormat(0x0309_0040);
    assertEquals(0x40, f.ms());
    assertEquals(9, f.lbads());
    assertEquals(3, f.rp());
    assertEquals(512, f.lbaSize());
  }

  @Test
  void builderRoundTrips() {
    assertEquals(0x000C_0000, LbaFormat.of(0, 12, 0).raw());
    assertEquals(0x020C_0008, LbaFormat.of(8, 12, 2).raw());
    LbaFormat max = LbaFormat.of(0xFFFF, 0xFF, 3);
    assertEquals(0x03FF_FFFF, max.raw());
    assertEquals(0xFFFF, max.ms());
    assertEquals(0xFF, max.lbads());
    assertEquals(3, max.rp());
  }

  @Test
  void reservedBitsAreIgnored() {
    LbaFormat f = new LbaFormat(0xFC0C_0000);
    assertEquals(0, f.rp());
    assertEquals(12, f.lbads());
    assertEquals(0, f.ms());
  }

  @Test
  void lbaSizeOfUsableAndUnusableFormats() {
    assertEquals(4096, LbaFormat.of(0, 12, 0).lbaSize());
    assertEquals(1L << 16, LbaFormat.of(0, LbaFormat.MAX_LBADS, 0).lbaSize());
    assertEquals(0, LbaFormat.of(0, 0, 0).lbaSize()); // not currently available
    assertEquals(0, LbaFormat.of(0, 8, 0).lbaSize()); // below 512 bytes: not supported
    assertEquals(0, LbaFormat.of(0, 63, 0).lbaSize()); // does not fit a long
    assertEquals(9, LbaFormat.MIN_LBADS);
  }
}
