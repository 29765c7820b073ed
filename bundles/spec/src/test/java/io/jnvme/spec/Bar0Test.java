package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Register offsets and doorbell arithmetic, against NVMe Base 2.0 §3.1.4 "Controller Properties"
 * (the property map figure, and the SQyTDBL / CQyHDBL doorbell definitions).
 */
class Bar0Test {

  @Test
  void registerOffsetsMatchThePropertyMap() {
    assertEquals(0x00, Bar0.CAP);
    assertEquals(0x08, Bar0.VS);
    assertEquals(0x0C, Bar0.INTMS);
    assertEquals(0x10, Bar0.INTMC);
    assertEquals(0x14, Bar0.CC);
    // 18h-1Bh is reserved
    assertEquals(0x1C, Bar0.CSTS);
    assertEquals(0x20, Bar0.NSSR);
    assertEquals(0x24, Bar0.AQA);
    assertEquals(0x28, Bar0.ASQ);
    assertEquals(0x30, Bar0.ACQ);
    assertEquals(0x38, Bar0.CMBLOC);
    assertEquals(0x3C, Bar0.CMBSZ);
    assertEquals(0x40, Bar0.BPINFO);
    assertEquals(0x44, Bar0.BPRSEL);
    assertEquals(0x48, Bar0.BPMBL);
    assertEquals(0x50, Bar0.CMBMSC);
    assertEquals(0x58, Bar0.CMBSTS);
    assertEquals(0x64, Bar0.NSSD);
    assertEquals(0x68, Bar0.CRTO);
    assertEquals(0xE00, Bar0.PMRCAP);
    assertEquals(0x1000, Bar0.DOORBELL_BASE);
  }

  @Test
  void subsystemResetValueIsNvmeInAscii() {
    // §3.1.4.7 NSSR: writing 4E564D65h ("NVMe") starts the reset.
    assertEquals(0x4E564D65, Bar0.NSSR_RESET_VALUE);
    byte[] ascii = {0x65, 0x4D, 0x56, 0x4E}; // little-endian bytes of the dword
    assertEquals("eMVN", new String(ascii, java.nio.charset.StandardCharsets.US_ASCII));
  }

  /** SQyTDBL = 1000h + (2y * (4 << DSTRD)), CQyHDBL = 1000h + ((2y + 1) * (4 << DSTRD)). */
  @ParameterizedTest(name = "qid={0} dstrd={1}")
  @CsvSource({
    // qid, dstrd, sq tail,  cq head
    "0,  0,  0x1000,     0x1004",
    "1,  0,  0x1008,     0x100C",
    "2,  0,  0x1010,     0x1014",
    "0,  1,  0x1000,     0x1008",
    "1,  1,  0x1010,     0x1018",
    "3,  2,  0x1060,     0x1070",
    "1,  4,  0x1080,     0x10C0",
    "0,  15, 0x1000,     0x21000",
    "1,  15, 0x41000,    0x61000",
    "65535, 0, 0x80FF8,  0x80FFC",
  })
  void doorbellOffsets(int qid, int dstrd, String sq, String cq) {
    assertEquals(Integer.decode(sq), Bar0.sqTailDoorbell(qid, dstrd));
    assertEquals(Integer.decode(cq), Bar0.cqHeadDoorbell(qid, dstrd));
  }

  @Test
  void sizeCoversTheLastDoorbell() {
    // Queues 0..3 with a 4-byte stride end at CQ3HDBL = 101Ch, so 1020h bytes are needed.
    assertEquals(0x1020, Bar0.sizeFor(3, 0));
    // With DSTRD = 1 (8-byte stride) CQ3HDBL sits at 1038h.
    assertEquals(0x103C, Bar0.sizeFor(3, 1));
  }
}
