package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** AQA bit positions, against NVMe Base 2.0 §3.1.4.8 "Offset 24h: AQA – Admin Queue Attributes". */
class AqaTest {

  @Test
  void sizesAreZeroBasedAtBits11To0And27To16() {
    Aqa aqa = Aqa.of(32, 64);
    assertEquals(0x003F_001F, aqa.raw());
    assertEquals(31, aqa.asqsZ());
    assertEquals(63, aqa.acqsZ());
  }

  @Test
  void largestAdminQueues() {
    // 4096 entries is the most a 12-bit zero-based field can say.
    Aqa aqa = Aqa.of(4096, 4096);
    assertEquals(0x0FFF_0FFF, aqa.raw());
    assertEquals(0xFFF, aqa.asqsZ());
    assertEquals(0xFFF, aqa.acqsZ());
  }

  @Test
  void reservedBitsAreIgnored() {
    Aqa aqa = new Aqa(0xFFFF_FFFF);
    assertEquals(0xFFF, aqa.asqsZ());
    assertEquals(0xFFF, aqa.acqsZ());
    assertEquals(0x0001_0001, Aqa.of(2, 2).raw());
  }
}
