package io.jnvme.spec;

/**
 * CC, Controller Configuration (Base spec 2.0, §3.1.4.5). Immutable; the {@code with*} methods
 * return modified copies.
 *
 * @param raw the 32-bit register value
 */
public record Cc(int raw) {
  /** Shutdown Notification: no effect. */
  public static final int SHN_NONE = 0;
  /** Shutdown Notification: normal shutdown. */
  public static final int SHN_NORMAL = 1;
  /** Shutdown Notification: abrupt shutdown. */
  public static final int SHN_ABRUPT = 2;

  /** I/O Command Set Selected: the NVM Command Set (000b). */
  public static final int CSS_NVM = 0;
  /** I/O Command Set Selected: all supported I/O Command Sets (110b), when CAP.CSS bit 6 is set. */
  public static final int CSS_ALL_IO = 6;
  /** I/O Command Set Selected: admin command set only (111b), when CAP.CSS bit 7 is set. */
  public static final int CSS_ADMIN_ONLY = 7;
  /** Arbitration Mechanism Selected: round robin. */
  public static final int AMS_ROUND_ROBIN = 0;
  /** Arbitration Mechanism Selected: weighted round robin with urgent priority class. */
  public static final int AMS_WEIGHTED_ROUND_ROBIN = 1;
  /** Arbitration Mechanism Selected: vendor specific. */
  public static final int AMS_VENDOR_SPECIFIC = 7;

  /** Enable (bit 0). */
  public boolean en() {
    return (raw & 1) != 0;
  }

  /** I/O Command Set Selected (bits 6:4). */
  public int css() {
    return (raw >>> 4) & 0x7;
  }

  /** Memory Page Size (bits 10:7): {@code 2^(12 + MPS)} bytes. */
  public int mps() {
    return (raw >>> 7) & 0xF;
  }

  /** Arbitration Mechanism Selected (bits 13:11). */
  public int ams() {
    return (raw >>> 11) & 0x7;
  }

  /** Shutdown Notification (bits 15:14). */
  public int shn() {
    return (raw >>> 14) & 0x3;
  }

  /** I/O Submission Queue Entry Size (bits 19:16), as log2 of bytes: 6 = 64 bytes. */
  public int iosqes() {
    return (raw >>> 16) & 0xF;
  }

  /** I/O Completion Queue Entry Size (bits 23:20), as log2 of bytes: 4 = 16 bytes. */
  public int iocqes() {
    return (raw >>> 20) & 0xF;
  }

  public Cc withEn(boolean v) {
    return new Cc(v ? raw | 1 : raw & ~1);
  }

  public Cc withCss(int v) {
    return new Cc((raw & ~(0x7 << 4)) | ((v & 0x7) << 4));
  }

  public Cc withMps(int v) {
    return new Cc((raw & ~(0xF << 7)) | ((v & 0xF) << 7));
  }

  public Cc withAms(int v) {
    return new Cc((raw & ~(0x7 << 11)) | ((v & 0x7) << 11));
  }

  public Cc withShn(int v) {
    return new Cc((raw & ~(0x3 << 14)) | ((v & 0x3) << 14));
  }

  public Cc withIosqes(int v) {
    return new Cc((raw & ~(0xF << 16)) | ((v & 0xF) << 16));
  }

  public Cc withIocqes(int v) {
    return new Cc((raw & ~(0xF << 20)) | ((v & 0xF) << 20));
  }

  @Override
  public String toString() {
    return String.format(
        "Cc[raw=0x%08x en=%b css=%d mps=%d ams=%d shn=%d iosqes=%d iocqes=%d]",
        raw, en(), css(), mps(), ams(), shn(), iosqes(), iocqes());
  }
}
