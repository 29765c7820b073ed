package io.jnvme.spec;

/**
 * CAP, Controller Capabilities (Base spec 2.0, §3.1.4.1).
 *
 * @param raw the 64-bit register value
 */
public record Cap(long raw) {
  /** CSS bit 0: the NVM Command Set. */
  public static final int CSS_NVM = 1;
  /** CSS bit 6: one or more I/O Command Sets, selected with CC.CSS = 110b. */
  public static final int CSS_IO_COMMAND_SETS = 1 << 6;
  /** CSS bit 7: no I/O Command Set, admin commands only. */
  public static final int CSS_ADMIN_ONLY = 1 << 7;

  /** Maximum Queue Entries Supported, zero based (bits 15:0). */
  public int mqesZ() {
    return (int) (raw & 0xFFFF);
  }

  /** Largest queue size the controller supports, in entries (MQES + 1). */
  public int maxQueueEntries() {
    return mqesZ() + 1;
  }

  /** Contiguous Queues Required (bit 16). */
  public boolean cqr() {
    return (raw & (1L << 16)) != 0;
  }

  /** Arbitration Mechanism Supported (bits 18:17). */
  public int ams() {
    return (int) ((raw >>> 17) & 0x3);
  }

  /** Timeout (bits 31:24), in 500 ms units: worst time to wait for CSTS.RDY to change. */
  public int to() {
    return (int) ((raw >>> 24) & 0xFF);
  }

  /** {@link #to()} in milliseconds; a TO of 0 is read as 500 ms so that waits are never zero. */
  public long timeoutMillis() {
    return Math.max(1, to()) * 500L;
  }

  /** Doorbell Stride (bits 35:32): doorbells are {@code 4 << DSTRD} bytes apart. */
  public int dstrd() {
    return (int) ((raw >>> 32) & 0xF);
  }

  /** NVM Subsystem Reset Supported (bit 36). */
  public boolean nssrs() {
    return (raw & (1L << 36)) != 0;
  }

  /** Command Sets Supported (bits 44:37); bit 0 = NVM command set. */
  public int css() {
    return (int) ((raw >>> 37) & 0xFF);
  }

  /**
   * Boot Partition Support (bit 45).
   *
   * @return true if the controller supports boot partitions
   */
  public boolean bps() {
    return (raw & (1L << 45)) != 0;
  }

  /** Memory Page Size Minimum (bits 51:48): {@code 2^(12 + MPSMIN)} bytes. */
  public int mpsmin() {
    return (int) ((raw >>> 48) & 0xF);
  }

  /** Memory Page Size Maximum (bits 55:52). */
  public int mpsmax() {
    return (int) ((raw >>> 52) & 0xF);
  }

  /**
   * Persistent Memory Region Supported (bit 56).
   *
   * @return true if the PMR registers are implemented
   */
  public boolean pmrs() {
    return (raw & (1L << 56)) != 0;
  }

  /**
   * Controller Memory Buffer Supported (bit 57).
   *
   * @return true if the CMB registers are implemented
   */
  public boolean cmbs() {
    return (raw & (1L << 57)) != 0;
  }

  /**
   * Controller Ready Modes Supported (bits 60:59): bit 0 of the result is Controller Ready With
   * Media, bit 1 Controller Ready Independent of Media (CC.CRIME).
   *
   * @return the two CRMS bits
   */
  public int crms() {
    return (int) ((raw >>> 59) & 0x3);
  }

  /** Builds a CAP value (the emulator uses this). */
  public static Cap of(int mqesZ, boolean cqr, int to, int dstrd, int css, int mpsmin, int mpsmax) {
    long v = (mqesZ & 0xFFFFL)
        | (cqr ? 1L << 16 : 0)
        | ((long) (to & 0xFF) << 24)
        | ((long) (dstrd & 0xF) << 32)
        | ((long) (css & 0xFF) << 37)
        | ((long) (mpsmin & 0xF) << 48)
        | ((long) (mpsmax & 0xF) << 52);
    return new Cap(v);
  }

  @Override
  public String toString() {
    return String.format(
        "Cap[raw=0x%016x mqes=%d cqr=%b to=%d dstrd=%d css=0x%x mpsmin=%d mpsmax=%d]",
        raw, mqesZ(), cqr(), to(), dstrd(), css(), mpsmin(), mpsmax());
  }
}
