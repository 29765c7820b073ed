package io.jnvme.spec;

import java.nio.ByteBuffer;

/**
 * Identify Namespace data structure for the NVM command set, CNS 00h, 4096 bytes (NVM Command Set
 * spec 1.0, §4.1.5.1, Figure 114). A namespace that is not active reads as all zeroes, so NSZE = 0
 * means "no such namespace" to the driver.
 */
public final class IdentifyNamespace extends Flyweight {
  public static final int SIZE = 4096;
  public static final int NSZE_OFFSET = 0;
  public static final int NCAP_OFFSET = 8;
  public static final int NUSE_OFFSET = 16;
  public static final int NSFEAT_OFFSET = 24;
  public static final int NLBAF_OFFSET = 25;
  public static final int FLBAS_OFFSET = 26;
  public static final int MC_OFFSET = 27;
  public static final int DPC_OFFSET = 28;
  public static final int DPS_OFFSET = 29;
  public static final int NMIC_OFFSET = 30;
  public static final int RESCAP_OFFSET = 31;
  public static final int FPI_OFFSET = 32;
  public static final int DLFEAT_OFFSET = 33;
  public static final int NAWUN_OFFSET = 34;
  public static final int NAWUPF_OFFSET = 36;
  public static final int NACWU_OFFSET = 38;
  /** Namespace Atomic Boundary Size Normal, 2 bytes. */
  public static final int NABSN_OFFSET = 40;
  /** Namespace Atomic Boundary Offset, 2 bytes. */
  public static final int NABO_OFFSET = 42;
  /** Namespace Atomic Boundary Size Power Fail, 2 bytes. */
  public static final int NABSPF_OFFSET = 44;
  public static final int NOIOB_OFFSET = 46;
  public static final int NVMCAP_OFFSET = 48;
  public static final int NPWG_OFFSET = 64;
  public static final int NPWA_OFFSET = 66;
  public static final int NPDG_OFFSET = 68;
  public static final int NPDA_OFFSET = 70;
  public static final int NOWS_OFFSET = 72;
  /** Maximum Single Source Range Length (Copy), 2 bytes. */
  public static final int MSSRL_OFFSET = 74;
  /** Maximum Copy Length, 4 bytes. */
  public static final int MCL_OFFSET = 76;
  /** Maximum Source Range Count (Copy), 1 byte. */
  public static final int MSRC_OFFSET = 80;
  /**
   * Number of Unique Capability LBA Formats, 1 byte: formats beyond NLBAF, at indexes NLBAF+1 and
   * up. Reserved (zero) on controllers that predate it.
   */
  public static final int NULBAF_OFFSET = 82;
  public static final int ANAGRPID_OFFSET = 92;
  public static final int NSATTR_OFFSET = 99;
  public static final int NVMSETID_OFFSET = 100;
  public static final int ENDGID_OFFSET = 102;
  public static final int NGUID_OFFSET = 104;
  public static final int EUI64_OFFSET = 120;
  public static final int LBAF_OFFSET = 128;
  /** Number of LBA format slots in the structure (LBAF0..LBAF63). */
  public static final int LBAF_COUNT = 64;

  /** FLBAS bit 4: metadata is transferred at the end of the data (extended LBA). */
  public static final int FLBAS_EXTENDED = 1 << 4;

  /** NSFEAT bit 4: OPTPERF, the NPWG..NOWS fields are valid. */
  public static final int NSFEAT_OPTPERF = 1 << 4;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public IdentifyNamespace wrap(ByteBuffer buffer, int offset) {
    super.wrap(buffer, offset);
    return this;
  }

  /** Namespace Size, in logical blocks. */
  public long nsze() {
    return i64(NSZE_OFFSET);
  }

  public IdentifyNamespace nsze(long v) {
    put64(NSZE_OFFSET, v);
    return this;
  }

  /** Namespace Capacity, in logical blocks. */
  public long ncap() {
    return i64(NCAP_OFFSET);
  }

  public IdentifyNamespace ncap(long v) {
    put64(NCAP_OFFSET, v);
    return this;
  }

  /** Namespace Utilization, in logical blocks. */
  public long nuse() {
    return i64(NUSE_OFFSET);
  }

  public IdentifyNamespace nuse(long v) {
    put64(NUSE_OFFSET, v);
    return this;
  }

  /** Namespace Features. */
  public int nsfeat() {
    return u8(NSFEAT_OFFSET);
  }

  public IdentifyNamespace nsfeat(int v) {
    put8(NSFEAT_OFFSET, v);
    return this;
  }

  /** Number of LBA Formats, zero based. */
  public int nlbafZ() {
    return u8(NLBAF_OFFSET);
  }

  public IdentifyNamespace nlbafZ(int v) {
    put8(NLBAF_OFFSET, v);
    return this;
  }

  /** Formatted LBA Size (raw byte). */
  public int flbas() {
    return u8(FLBAS_OFFSET);
  }

  public IdentifyNamespace flbas(int v) {
    put8(FLBAS_OFFSET, v);
    return this;
  }

  /**
   * Number of Unique Capability LBA Formats (not zero based).
   *
   * @return NULBAF
   */
  public int nulbaf() {
    return u8(NULBAF_OFFSET);
  }

  /**
   * Sets NULBAF.
   *
   * @param v number of unique capability LBA formats
   * @return this view
   */
  public IdentifyNamespace nulbaf(int v) {
    put8(NULBAF_OFFSET, v);
    return this;
  }

  /**
   * LBA formats the namespace reports: NLBAF + 1 + NULBAF, at most {@link #LBAF_COUNT}.
   *
   * @return the number of valid LBAF entries
   */
  public int formatCount() {
    return Math.min(LBAF_COUNT, nlbafZ() + 1 + nulbaf());
  }

  /**
   * Index of the LBA format in use: FLBAS bits 3:0, extended by bits 6:5 as the most significant
   * bits when more than 16 formats exist (NVM Command Set spec 1.0, Figure 114). With 16 formats or
   * fewer, bits 6:5 are reserved and ignored.
   *
   * @return the format index, 0..63
   */
  public int formatIndex() {
    int f = flbas();
    int low = f & 0xF;
    return formatCount() > 16 ? low | (((f >>> 5) & 0x3) << 4) : low;
  }

  /**
   * Sets the format index in FLBAS (bits 3:0 and 6:5), keeping bit 4 (extended LBA) as it is.
   *
   * @param index format index, 0..63
   * @return this view
   */
  public IdentifyNamespace formatIndex(int index) {
    if (index < 0 || index >= LBAF_COUNT) {
      throw new IndexOutOfBoundsException("lbaf index=" + index);
    }
    int f = flbas() & FLBAS_EXTENDED;
    put8(FLBAS_OFFSET, f | (index & 0xF) | ((index >>> 4) << 5));
    return this;
  }

  /**
   * FLBAS bit 4: metadata travels at the end of each logical block (extended LBA).
   *
   * @return true for extended LBAs, false for a separate metadata buffer
   */
  public boolean extendedLba() {
    return (flbas() & FLBAS_EXTENDED) != 0;
  }

  /** Namespace Multi-path I/O and Namespace Sharing Capabilities. */
  public int nmic() {
    return u8(NMIC_OFFSET);
  }

  /** Reservation Capabilities. */
  public int rescap() {
    return u8(RESCAP_OFFSET);
  }

  /** Deallocate Logical Block Features. */
  public int dlfeat() {
    return u8(DLFEAT_OFFSET);
  }

  /** Namespace Optimal I/O Boundary, in logical blocks. */
  public int noiob() {
    return u16(NOIOB_OFFSET);
  }

  /** Namespace Preferred Deallocate Granularity, zero based. */
  public int npdg() {
    return u16(NPDG_OFFSET);
  }

  /** Namespace Attributes: bit 0 = write protected. */
  public int nsattr() {
    return u8(NSATTR_OFFSET);
  }

  /** Namespace Globally Unique Identifier (16 bytes); all zero if not reported. */
  public byte[] nguid() {
    return bytes(NGUID_OFFSET, 16);
  }

  public IdentifyNamespace nguid(byte[] v) {
    putBytes(NGUID_OFFSET, v, 16);
    return this;
  }

  /** IEEE Extended Unique Identifier (8 bytes); all zero if not reported. */
  public byte[] eui64() {
    return bytes(EUI64_OFFSET, 8);
  }

  public IdentifyNamespace eui64(byte[] v) {
    putBytes(EUI64_OFFSET, v, 8);
    return this;
  }

  /** LBA format {@code i} (0..63). */
  public LbaFormat lbaf(int i) {
    if (i < 0 || i >= LBAF_COUNT) {
      throw new IndexOutOfBoundsException("lbaf index=" + i);
    }
    return new LbaFormat(i32(LBAF_OFFSET + 4 * i));
  }

  public IdentifyNamespace lbaf(int i, LbaFormat v) {
    if (i < 0 || i >= LBAF_COUNT) {
      throw new IndexOutOfBoundsException("lbaf index=" + i);
    }
    put32(LBAF_OFFSET + 4 * i, v.raw());
    return this;
  }
}
