package io.jnvme.spec;

/**
 * CAP, Controller Capabilities (Base spec 2.0, §3.1.4.1).
 *
 * @param raw the 64-bit register value
 */
public record Cap(long raw) {
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

  /** Memory Page Size Minimum (bits 51:48): {@code 2^(12 + MPSMIN)} bytes. */
  public int mpsmin() {
    return (int) ((raw >>> 48) & 0xF);
  }

  /** Memory Page Size Maximum (bits 55:52). */
  public int mpsmax() {
    return (int) ((raw >>> 52) & 0xF);
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
