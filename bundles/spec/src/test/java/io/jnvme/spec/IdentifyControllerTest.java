package io.jnvme.spec;

import static io.jnvme.spec.Layouts.BASE;
import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Identify Controller data structure (CNS 01h), against NVMe Base 2.0 §5.17.2.1 "Identify
 * Controller Data Structure, I/O Command Set Independent". Byte ranges are given as in the spec
 * figure (last:first).
 */
class IdentifyControllerTest {
  private ByteBuffer buf;
  private IdentifyController id;

  @BeforeEach
  void wrap() {
    buf = Layouts.buffer(4096);
    id = new IdentifyController().wrap(buf, BASE);
  }

  @Test
  void sizeIs4096Bytes() {
    assertEquals(4096, IdentifyController.SIZE);
    assertEquals(4096, id.size());
  }

  @Test
  void offsets() {
    Layouts.assertOffsets(IdentifyController.class, Map.ofEntries(
        entry("VID_OFFSET", 0), // 01:00
        entry("SSVID_OFFSET", 2), // 03:02
        entry("SN_OFFSET", 4), // 23:04
        entry("MN_OFFSET", 24), // 63:24
        entry("FR_OFFSET", 64), // 71:64
        entry("RAB_OFFSET", 72),
        entry("IEEE_OFFSET", 73), // 75:73
        entry("CMIC_OFFSET", 76),
        entry("MDTS_OFFSET", 77),
        entry("CNTLID_OFFSET", 78), // 79:78
        entry("VER_OFFSET", 80), // 83:80
        entry("RTD3R_OFFSET", 84),
        entry("RTD3E_OFFSET", 88),
        entry("OAES_OFFSET", 92), // 95:92
        entry("CTRATT_OFFSET", 96), // 99:96
        entry("CNTRLTYPE_OFFSET", 111),
        entry("FGUID_OFFSET", 112), // 127:112
        entry("OACS_OFFSET", 256), // 257:256
        entry("ACL_OFFSET", 258),
        entry("AERL_OFFSET", 259),
        entry("FRMW_OFFSET", 260),
        entry("LPA_OFFSET", 261),
        entry("ELPE_OFFSET", 262),
        entry("NPSS_OFFSET", 263),
        entry("WCTEMP_OFFSET", 266), // 267:266
        entry("CCTEMP_OFFSET", 268), // 269:268
        entry("SQES_OFFSET", 512),
        entry("CQES_OFFSET", 513),
        entry("MAXCMD_OFFSET", 514), // 515:514
        entry("NN_OFFSET", 516), // 519:516
        entry("ONCS_OFFSET", 520), // 521:520
        entry("FUSES_OFFSET", 522), // 523:522
        entry("FNA_OFFSET", 524),
        entry("VWC_OFFSET", 525),
        entry("AWUN_OFFSET", 526), // 527:526
        entry("AWUPF_OFFSET", 528), // 529:528
        entry("SGLS_OFFSET", 536), // 539:536
        entry("MNAN_OFFSET", 540), // 543:540
        entry("SUBNQN_OFFSET", 768))); // 1023:768
    assertEquals(20, IdentifyController.SN_LENGTH);
    assertEquals(40, IdentifyController.MN_LENGTH);
    assertEquals(8, IdentifyController.FR_LENGTH);
    assertEquals(256, IdentifyController.SUBNQN_LENGTH);
  }

  @Test
  void settersWriteTheirSpecBytes() {
    id.vid(0x8086).ssvid(0x1AF4).mdts(5).cntlid(0x0041).ver(Vs.of(1, 4, 0)).oaes(0x0000_0100)
        .oacs(0x0008).aerl(3).lpa(0x02).elpe(63).sqes(0x66).cqes(0x44).nn(256).oncs(0x005F)
        .vwc(1);
    assertEquals(0x8086, Layouts.u16(buf, 0));
    assertEquals(0x1AF4, Layouts.u16(buf, 2));
    assertEquals(5, Layouts.u8(buf, 77));
    assertEquals(0x0041, Layouts.u16(buf, 78));
    assertEquals(0x0001_0400, Layouts.i32(buf, 80));
    assertEquals(0x0000_0100, Layouts.i32(buf, 92));
    assertEquals(0x0008, Layouts.u16(buf, 256));
    assertEquals(3, Layouts.u8(buf, 259));
    assertEquals(0x02, Layouts.u8(buf, 261));
    assertEquals(63, Layouts.u8(buf, 262));
    assertEquals(0x66, Layouts.u8(buf, 512));
    assertEquals(0x44, Layouts.u8(buf, 513));
    assertEquals(256, Layouts.i32(buf, 516));
    assertEquals(0x005F, Layouts.u16(buf, 520));
    assertEquals(1, Layouts.u8(buf, 525));
  }

  @Test
  void gettersReadTheirSpecBytes() {
    buf.put(BASE + 73, (byte) 0x38).put(BASE + 74, (byte) 0x25).put(BASE + 75, (byte) 0x00);
    assertEquals(0x002538, id.ieee()); // OUI, least significant byte first
    buf.put(BASE + 76, (byte) 0x0B);
    assertEquals(0x0B, id.cmic());
    buf.putInt(BASE + 96, 0x0000_0201);
    assertEquals(0x0000_0201, id.ctratt());
    buf.put(BASE + 258, (byte) 3);
    assertEquals(3, id.acl());
    buf.putShort(BASE + 514, (short) 0x0100);
    assertEquals(0x0100, id.maxcmd());
    buf.putInt(BASE + 516, 0xFFFF_FFFE);
    assertEquals(0xFFFF_FFFEL, id.nn()); // unsigned
    buf.putInt(BASE + 536, 0x0010_0001);
    assertEquals(0x0010_0001, id.sgls());
  }

  @Test
  void asciiFieldsArePaddedWithSpaces() {
    id.sn("S1").mn("QEMU NVMe Ctrl").fr("1.0");
    byte[] sn = new byte[20];
    buf.get(BASE + 4, sn);
    assertArrayEquals("S1                  ".getBytes(StandardCharsets.US_ASCII), sn);
    byte[] fr = new byte[8];
    buf.get(BASE + 64, fr);
    assertArrayEquals("1.0     ".getBytes(StandardCharsets.US_ASCII), fr);
    assertEquals(' ', buf.get(BASE + 63)); // last byte of MN
    assertEquals("S1", id.sn());
    assertEquals("QEMU NVMe Ctrl", id.mn());
    assertEquals("1.0", id.fr());
  }

  @Test
  void asciiFieldsAreCutToTheirLength() {
    id.sn("0123456789ABCDEFGHIJKLMN");
    assertEquals("0123456789ABCDEFGHIJ", id.sn());
    assertEquals(0, buf.get(BASE + 24)); // MN untouched
  }

  @Test
  void subnqnIsNulTerminated() {
    String nqn = "nqn.2019-08.org.qemu:serial1";
    id.subnqn(nqn);
    byte[] b = nqn.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i++) {
      assertEquals(b[i], buf.get(BASE + 768 + i));
    }
    for (int i = b.length; i < 256; i++) {
      assertEquals(0, buf.get(BASE + 768 + i), "byte " + i);
    }
    assertEquals(nqn, id.subnqn());
    assertEquals(0, Layouts.u8(buf, 1024)); // nothing written past the field
  }

  @Test
  void subnqnReadStopsAtFirstNul() {
    byte[] raw = "nqn.a\0garbage".getBytes(StandardCharsets.UTF_8);
    buf.put(BASE + 768, raw);
    assertEquals("nqn.a", id.subnqn());
  }

  @Test
  void subnqnKeepsRoomForTheTerminator() {
    id.subnqn("n".repeat(255));
    assertEquals(0, buf.get(BASE + 768 + 255));
    assertEquals(255, id.subnqn().length());
    assertThrows(IllegalArgumentException.class, () -> id.subnqn("n".repeat(256)));
  }

  @Test
  void capabilityBits() {
    // OAES bit 8 Namespace Attribute Notices; ONCS bits 0 Compare, 2 DSM, 3 Write Zeroes,
    // 5 Reservations; OACS bit 3 Namespace Management; LPA bit 1 Commands Supported and Effects.
    assertEquals(0x100, IdentifyController.OAES_NAMESPACE_ATTRIBUTE_NOTICES);
    assertEquals(0x01, IdentifyController.ONCS_COMPARE);
    assertEquals(0x04, IdentifyController.ONCS_DSM);
    assertEquals(0x08, IdentifyController.ONCS_WRITE_ZEROES);
    assertEquals(0x20, IdentifyController.ONCS_RESERVATIONS);
    assertEquals(0x08, IdentifyController.OACS_NS_MANAGEMENT);
    assertEquals(0x02, IdentifyController.LPA_CMD_EFFECTS);
  }

  @Test
  void wrapRejectsAPageThatDoesNotFit() {
    assertThrows(IndexOutOfBoundsException.class,
        () -> new IdentifyController().wrap(ByteBuffer.allocate(4095), 0));
    assertThrows(IndexOutOfBoundsException.class,
        () -> new IdentifyController().wrap(ByteBuffer.allocate(8192), 4097));
    new IdentifyController().wrap(ByteBuffer.allocate(8192), 4096);
  }
}
