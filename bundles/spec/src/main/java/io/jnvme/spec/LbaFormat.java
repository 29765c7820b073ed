package io.jnvme.spec;

/**
 * LBA Format Data Structure, one dword of Identify Namespace (NVM Command Set spec 1.0, §4.1.5.1,
 * Figure 116).
 *
 * @param raw the dword
 */
public record LbaFormat(int raw) {
  /** Smallest LBA data size the NVM command set allows, as log2 of bytes (512 bytes). */
  public static final int MIN_LBADS = 9;
  /** Largest LBA data size this driver accepts, as log2 of bytes (64 KiB). */
  public static final int MAX_LBADS = 16;

  /** Metadata Size in bytes (bits 15:0). */
  public int ms() {
    return raw & 0xFFFF;
  }

  /** LBA Data Size as log2 of bytes (bits 23:16); 0 means the format is not available. */
  public int lbads() {
    return (raw >>> 16) & 0xFF;
  }

  /** Relative Performance (bits 25:24); 0 = best. */
  public int rp() {
    return (raw >>> 24) & 0x3;
  }

  /**
   * LBA data size in bytes, {@code 2^LBADS}, or 0 when the format cannot be used: LBADS 0 marks a
   * format that is not currently available, and values below {@link #MIN_LBADS} are not supported.
   *
   * @return bytes per logical block, or 0
   */
  public long lbaSize() {
    int d = lbads();
    return d < MIN_LBADS || d >= 63 ? 0 : 1L << d;
  }

  /** Builds an LBA format. */
  public static LbaFormat of(int ms, int lbads, int rp) {
    return new LbaFormat((ms & 0xFFFF) | ((lbads & 0xFF) << 16) | ((rp & 0x3) << 24));
  }

  @Override
  public String toString() {
    return "LbaFormat[ms=" + ms() + " lbads=" + lbads() + " rp=" + rp() + "]";
  }
}
