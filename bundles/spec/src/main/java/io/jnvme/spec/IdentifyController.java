package io.jnvme.spec;

import java.nio.ByteBuffer;

/**
 * Identify Controller data structure, CNS 01h, 4096 bytes (Base spec 2.0, §5.17.2.1, Figure 275).
 */
public final class IdentifyController extends Flyweight {
  public static final int SIZE = 4096;
  public static final int VID_OFFSET = 0;
  public static final int SSVID_OFFSET = 2;
  public static final int SN_OFFSET = 4;
  public static final int SN_LENGTH = 20;
  public static final int MN_OFFSET = 24;
  public static final int MN_LENGTH = 40;
  public static final int FR_OFFSET = 64;
  public static final int FR_LENGTH = 8;
  public static final int RAB_OFFSET = 72;
  public static final int IEEE_OFFSET = 73;
  public static final int CMIC_OFFSET = 76;
  public static final int MDTS_OFFSET = 77;
  public static final int CNTLID_OFFSET = 78;
  public static final int VER_OFFSET = 80;
  public static final int RTD3R_OFFSET = 84;
  public static final int RTD3E_OFFSET = 88;
  public static final int OAES_OFFSET = 92;
  public static final int CTRATT_OFFSET = 96;
  public static final int CNTRLTYPE_OFFSET = 111;
  public static final int FGUID_OFFSET = 112;
  public static final int OACS_OFFSET = 256;
  public static final int ACL_OFFSET = 258;
  public static final int AERL_OFFSET = 259;
  public static final int FRMW_OFFSET = 260;
  public static final int LPA_OFFSET = 261;
  public static final int ELPE_OFFSET = 262;
  public static final int NPSS_OFFSET = 263;
  public static final int WCTEMP_OFFSET = 266;
  public static final int CCTEMP_OFFSET = 268;
  public static final int SQES_OFFSET = 512;
  public static final int CQES_OFFSET = 513;
  public static final int MAXCMD_OFFSET = 514;
  public static final int NN_OFFSET = 516;
  public static final int ONCS_OFFSET = 520;
  public static final int FUSES_OFFSET = 522;
  public static final int FNA_OFFSET = 524;
  public static final int VWC_OFFSET = 525;
  public static final int AWUN_OFFSET = 526;
  public static final int AWUPF_OFFSET = 528;
  public static final int SGLS_OFFSET = 536;
  public static final int MNAN_OFFSET = 540;
  public static final int SUBNQN_OFFSET = 768;
  public static final int SUBNQN_LENGTH = 256;

  /** OAES bit 8: Namespace Attribute Notices supported. */
  public static final int OAES_NAMESPACE_ATTRIBUTE_NOTICES = 1 << 8;
  /** ONCS bit 0: Compare. */
  public static final int ONCS_COMPARE = 1;
  /** ONCS bit 2: Dataset Management. */
  public static final int ONCS_DSM = 1 << 2;
  /** ONCS bit 3: Write Zeroes. */
  public static final int ONCS_WRITE_ZEROES = 1 << 3;
  /** ONCS bit 5: Reservations. */
  public static final int ONCS_RESERVATIONS = 1 << 5;
  /** OACS bit 3: Namespace Management. */
  public static final int OACS_NS_MANAGEMENT = 1 << 3;
  /** LPA bit 1: Commands Supported and Effects log page. */
  public static final int LPA_CMD_EFFECTS = 1 << 1;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public IdentifyController wrap(ByteBuffer buffer, int offset) {
    super.wrap(buffer, offset);
    return this;
  }

  /** PCI Vendor ID. */
  public int vid() {
    return u16(VID_OFFSET);
  }

  public IdentifyController vid(int v) {
    put16(VID_OFFSET, v);
    return this;
  }

  /** PCI Subsystem Vendor ID. */
  public int ssvid() {
    return u16(SSVID_OFFSET);
  }

  public IdentifyController ssvid(int v) {
    put16(SSVID_OFFSET, v);
    return this;
  }

  /** Serial Number (ASCII, 20 bytes). */
  public String sn() {
    return ascii(SN_OFFSET, SN_LENGTH);
  }

  public IdentifyController sn(String v) {
    putAscii(SN_OFFSET, SN_LENGTH, v);
    return this;
  }

  /** Model Number (ASCII, 40 bytes). */
  public String mn() {
    return ascii(MN_OFFSET, MN_LENGTH);
  }

  public IdentifyController mn(String v) {
    putAscii(MN_OFFSET, MN_LENGTH, v);
    return this;
  }

  /** Firmware Revision (ASCII, 8 bytes). */
  public String fr() {
    return ascii(FR_OFFSET, FR_LENGTH);
  }

  public IdentifyController fr(String v) {
    putAscii(FR_OFFSET, FR_LENGTH, v);
    return this;
  }

  /** IEEE OUI Identifier (24 bits). */
  public int ieee() {
    return u8(IEEE_OFFSET) | (u8(IEEE_OFFSET + 1) << 8) | (u8(IEEE_OFFSET + 2) << 16);
  }

  /** Controller Multi-Path I/O and Namespace Sharing Capabilities. */
  public int cmic() {
    return u8(CMIC_OFFSET);
  }

  /**
   * Maximum Data Transfer Size, as a power of two in units of CAP.MPSMIN; 0 means no limit.
   */
  public int mdts() {
    return u8(MDTS_OFFSET);
  }

  public IdentifyController mdts(int v) {
    put8(MDTS_OFFSET, v);
    return this;
  }

  /** Controller ID. */
  public int cntlid() {
    return u16(CNTLID_OFFSET);
  }

  public IdentifyController cntlid(int v) {
    put16(CNTLID_OFFSET, v);
    return this;
  }

  /** Version, as in the VS register. */
  public Vs ver() {
    return new Vs(i32(VER_OFFSET));
  }

  public IdentifyController ver(Vs v) {
    put32(VER_OFFSET, v.raw());
    return this;
  }

  /** Optional Asynchronous Events Supported. */
  public int oaes() {
    return i32(OAES_OFFSET);
  }

  public IdentifyController oaes(int v) {
    put32(OAES_OFFSET, v);
    return this;
  }

  /** Controller Attributes. */
  public int ctratt() {
    return i32(CTRATT_OFFSET);
  }

  /** Optional Admin Command Support. */
  public int oacs() {
    return u16(OACS_OFFSET);
  }

  public IdentifyController oacs(int v) {
    put16(OACS_OFFSET, v);
    return this;
  }

  /** Abort Command Limit, zero based. */
  public int acl() {
    return u8(ACL_OFFSET);
  }

  /** Asynchronous Event Request Limit, zero based. */
  public int aerl() {
    return u8(AERL_OFFSET);
  }

  public IdentifyController aerl(int v) {
    put8(AERL_OFFSET, v);
    return this;
  }

  /** Log Page Attributes. */
  public int lpa() {
    return u8(LPA_OFFSET);
  }

  public IdentifyController lpa(int v) {
    put8(LPA_OFFSET, v);
    return this;
  }

  /** Error Log Page Entries, zero based. */
  public int elpe() {
    return u8(ELPE_OFFSET);
  }

  public IdentifyController elpe(int v) {
    put8(ELPE_OFFSET, v);
    return this;
  }

  /** Submission Queue Entry Size: bits 3:0 required, 7:4 maximum, log2 of bytes. */
  public int sqes() {
    return u8(SQES_OFFSET);
  }

  public IdentifyController sqes(int v) {
    put8(SQES_OFFSET, v);
    return this;
  }

  /** Completion Queue Entry Size: bits 3:0 required, 7:4 maximum, log2 of bytes. */
  public int cqes() {
    return u8(CQES_OFFSET);
  }

  public IdentifyController cqes(int v) {
    put8(CQES_OFFSET, v);
    return this;
  }

  /** Maximum Outstanding Commands (fabrics); 0 on PCIe. */
  public int maxcmd() {
    return u16(MAXCMD_OFFSET);
  }

  /** Number of Namespaces: the largest NSID the controller may use. */
  public long nn() {
    return u32(NN_OFFSET);
  }

  public IdentifyController nn(long v) {
    put32(NN_OFFSET, (int) v);
    return this;
  }

  /** Optional NVM Command Support (see the ONCS_* bits). */
  public int oncs() {
    return u16(ONCS_OFFSET);
  }

  public IdentifyController oncs(int v) {
    put16(ONCS_OFFSET, v);
    return this;
  }

  /** Volatile Write Cache: bit 0 set if present. */
  public int vwc() {
    return u8(VWC_OFFSET);
  }

  public IdentifyController vwc(int v) {
    put8(VWC_OFFSET, v);
    return this;
  }

  /** SGL Support. */
  public int sgls() {
    return i32(SGLS_OFFSET);
  }

  /** NVM Subsystem NVMe Qualified Name (UTF-8, NUL padded, 256 bytes). */
  public String subnqn() {
    byte[] b = bytes(SUBNQN_OFFSET, SUBNQN_LENGTH);
    int n = 0;
    while (n < b.length && b[n] != 0) {
      n++;
    }
    return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Writes the NQN, NUL padded to 256 bytes. The field is a NUL-terminated string, so at most 255
   * bytes of UTF-8 fit (an NQN is at most 223 bytes).
   *
   * @param v the NQN
   * @return this view
   * @throws IllegalArgumentException if the UTF-8 form is longer than 255 bytes
   */
  public IdentifyController subnqn(String v) {
    byte[] b = v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (b.length > SUBNQN_LENGTH - 1) {
      throw new IllegalArgumentException(
          "subnqn bytes=" + b.length + " max=" + (SUBNQN_LENGTH - 1));
    }
    putBytes(SUBNQN_OFFSET, b, SUBNQN_LENGTH);
    return this;
  }
}
