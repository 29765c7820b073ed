package io.jnvme.spec;

import static io.jnvme.spec.Layouts.BASE;
import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Identify Namespace data structure for the NVM Command Set (CNS 00h), against NVM Command Set 1.0
 * §4.1.5.1 "Identify Namespace Data Structure" and the LBA Format Data Structure that follows it.
 */
class IdentifyNamespaceTest {
  private ByteBuffer buf;
  private IdentifyNamespace ns;

  @BeforeEach
  void wrap() {
    buf = Layouts.buffer(4096);
    ns = new IdentifyNamespace().wrap(buf, BASE);
  }

  @Test
  void sizeIs4096Bytes() {
    assertEquals(4096, IdentifyNamespace.SIZE);
    assertEquals(4096, ns.size());
    assertEquals(64, IdentifyNamespace.LBAF_COUNT);
  }

  @Test
  void offsets() {
    Layouts.assertOffsets(IdentifyNamespace.class, Map.ofEntries(
        entry("NSZE_OFFSET", 0), // 07:00
        entry("NCAP_OFFSET", 8), // 15:08
        entry("NUSE_OFFSET", 16), // 23:16
        entry("NSFEAT_OFFSET", 24),
        entry("NLBAF_OFFSET", 25),
        entry("FLBAS_OFFSET", 26),
        entry("MC_OFFSET", 27),
        entry("DPC_OFFSET", 28),
        entry("DPS_OFFSET", 29),
        entry("NMIC_OFFSET", 30),
        entry("RESCAP_OFFSET", 31),
        entry("FPI_OFFSET", 32),
        entry("DLFEAT_OFFSET", 33),
        entry("NAWUN_OFFSET", 34), // 35:34
        entry("NAWUPF_OFFSET", 36),
        entry("NACWU_OFFSET", 38),
        entry("NABSN_OFFSET", 40),
        entry("NABO_OFFSET", 42),
        entry("NABSPF_OFFSET", 44),
        entry("NOIOB_OFFSET", 46), // 47:46
        entry("NVMCAP_OFFSET", 48), // 63:48
        entry("NPWG_OFFSET", 64),
        entry("NPWA_OFFSET", 66),
        entry("NPDG_OFFSET", 68),
        entry("NPDA_OFFSET", 70),
        entry("NOWS_OFFSET", 72),
        entry("MSSRL_OFFSET", 74), // 75:74
        entry("MCL_OFFSET", 76), // 79:76
        entry("MSRC_OFFSET", 80),
        entry("NULBAF_OFFSET", 82),
        entry("ANAGRPID_OFFSET", 92), // 95:92
        entry("NSATTR_OFFSET", 99),
        entry("NVMSETID_OFFSET", 100), // 101:100
        entry("ENDGID_OFFSET", 102), // 103:102
        entry("NGUID_OFFSET", 104), // 119:104
        entry("EUI64_OFFSET", 120), // 127:120
        entry("LBAF_OFFSET", 128))); // 131:128 LBAF0 ... 383:380 LBAF63
  }

  @Test
  void lbaFormatsEndAtByte383() {
    ns.lbaf(63, LbaFormat.of(0xFFFF, 0xFF, 3));
    assertEquals(0x03FF_FFFF, Layouts.i32(buf, 380));
    assertEquals(0, Layouts.u8(buf, 384));
    ns.lbaf(0, LbaFormat.of(8, 12, 0));
    assertEquals(0x000C_0008, Layouts.i32(buf, 128));
    assertThrows(IndexOutOfBoundsException.class, () -> ns.lbaf(64));
    assertThrows(IndexOutOfBoundsException.class, () -> ns.lbaf(-1, LbaFormat.of(0, 9, 0)));
  }

  @Test
  void settersWriteTheirSpecBytes() {
    ns.nsze(0x1_0000_0000L).ncap(0x2000).nuse(0x1000).nsfeat(0x10).nlbafZ(4).flbas(0x12)
        .nulbaf(2);
    assertEquals(0x1_0000_0000L, Layouts.i64(buf, 0));
    assertEquals(0x2000L, Layouts.i64(buf, 8));
    assertEquals(0x1000L, Layouts.i64(buf, 16));
    assertEquals(0x10, Layouts.u8(buf, 24));
    assertEquals(4, Layouts.u8(buf, 25));
    assertEquals(0x12, Layouts.u8(buf, 26));
    assertEquals(2, Layouts.u8(buf, 82));
    byte[] nguid = new byte[16];
    for (int i = 0; i < 16; i++) {
      nguid[i] = (byte) (i + 1);
    }
    byte[] eui = {9, 8, 7, 6, 5, 4, 3, 2};
    ns.nguid(nguid).eui64(eui);
    assertEquals(1, Layouts.u8(buf, 104));
    assertEquals(16, Layouts.u8(buf, 119));
    assertEquals(9, Layouts.u8(buf, 120));
    assertEquals(2, Layouts.u8(buf, 127));
    assertArrayEquals(nguid, ns.nguid());
    assertArrayEquals(eui, ns.eui64());
  }

  @Test
  void gettersReadTheirSpecBytes() {
    buf.put(BASE + 30, (byte) 1).put(BASE + 31, (byte) 0x7F).put(BASE + 33, (byte) 0x09);
    buf.putShort(BASE + 46, (short) 0x0100).putShort(BASE + 68, (short) 0x00FF);
    buf.put(BASE + 99, (byte) 1);
    assertEquals(1, ns.nmic());
    assertEquals(0x7F, ns.rescap());
    assertEquals(0x09, ns.dlfeat());
    assertEquals(0x0100, ns.noiob());
    assertEquals(0x00FF, ns.npdg());
    assertEquals(1, ns.nsattr());
  }

  @Test
  void formatIndexUsesBits3To0WithSixteenFormatsOrFewer() {
    ns.nlbafZ(15); // 16 formats: bits 6:5 are reserved
    ns.flbas(0x6F); // reserved bits set, extended bit clear
    assertEquals(15, ns.formatIndex());
    ns.flbas(0x13);
    assertEquals(3, ns.formatIndex());
    assertTrue(ns.extendedLba());
  }

  @Test
  void formatIndexAddsBits6To5WithMoreThanSixteenFormats() {
    ns.nlbafZ(63); // 64 formats
    ns.flbas(0x60 | 0x0F); // index 63 = 11b:1111b
    assertEquals(63, ns.formatIndex());
    ns.flbas(0x20 | 0x01); // index 17
    assertEquals(17, ns.formatIndex());
    ns.flbas(0x40 | 0x10 | 0x00); // index 32, extended LBA
    assertEquals(32, ns.formatIndex());
    assertTrue(ns.extendedLba());
    ns.nlbafZ(16); // 17 formats: index 16 needs bit 5
    ns.flbas(0x20);
    assertEquals(16, ns.formatIndex());
  }

  @Test
  void uniqueCapabilityFormatsCountTowardsTheSixteen() {
    ns.nlbafZ(15).nulbaf(1); // formats 0..15 plus one unique capability format at 16
    ns.flbas(0x20);
    assertEquals(17, ns.formatCount());
    assertEquals(16, ns.formatIndex());
    ns.nulbaf(0);
    assertEquals(0, ns.formatIndex());
  }

  @Test
  void formatIndexSetterRoundTrips() {
    ns.nlbafZ(63);
    ns.flbas(IdentifyNamespace.FLBAS_EXTENDED);
    for (int i = 0; i < 64; i++) {
      ns.formatIndex(i);
      assertEquals(i, ns.formatIndex());
      assertTrue(ns.extendedLba(), "bit 4 kept");
      assertEquals(0, ns.flbas() & 0x80, "bit 7 reserved");
    }
    ns.formatIndex(0x2A); // 10b:1010b
    assertEquals(0x40 | 0x10 | 0x0A, ns.flbas());
    assertThrows(IndexOutOfBoundsException.class, () -> ns.formatIndex(64));
  }

  @Test
  void formatCountIsCapped() {
    ns.nlbafZ(63).nulbaf(10);
    assertEquals(64, ns.formatCount());
    ns.nlbafZ(0).nulbaf(0);
    assertEquals(1, ns.formatCount());
  }

  @Test
  void inactiveNamespaceReadsAsZero() {
    assertEquals(0, ns.nsze());
    assertEquals(0, ns.formatIndex());
    assertFalse(ns.extendedLba());
    assertEquals(0, ns.lbaf(0).lbaSize());
  }

  @Test
  void nsfeatOptperfIsBit4() {
    assertEquals(0x10, IdentifyNamespace.NSFEAT_OPTPERF);
    assertEquals(0x10, IdentifyNamespace.FLBAS_EXTENDED);
  }
}
