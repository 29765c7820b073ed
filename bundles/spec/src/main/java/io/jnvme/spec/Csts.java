package io.jnvme.spec;

/**
 * CSTS, Controller Status (Base spec 2.0, §3.1.4.6).
 *
 * @param raw the 32-bit register value
 */
public record Csts(int raw) {
  /** Shutdown Status: normal operation. */
  public static final int SHST_NORMAL = 0;
  /** Shutdown Status: shutdown processing occurring. */
  public static final int SHST_OCCURRING = 1;
  /** Shutdown Status: shutdown processing complete. */
  public static final int SHST_COMPLETE = 2;

  /** Ready (bit 0). */
  public boolean rdy() {
    return (raw & 1) != 0;
  }

  /** Controller Fatal Status (bit 1). */
  public boolean cfs() {
    return (raw & 2) != 0;
  }

  /** Shutdown Status (bits 3:2). */
  public int shst() {
    return (raw >>> 2) & 0x3;
  }

  /** NVM Subsystem Reset Occurred (bit 4). */
  public boolean nssro() {
    return (raw & 0x10) != 0;
  }

  /** Processing Paused (bit 5). */
  public boolean pp() {
    return (raw & 0x20) != 0;
  }

  /**
   * A read of all ones: the device no longer answers on the bus (surprise removal, or a transport
   * that lost its device). No field of such a value means anything.
   */
  public boolean allOnes() {
    return raw == 0xFFFF_FFFF;
  }

  /** Builds a CSTS value. */
  public static Csts of(boolean rdy, boolean cfs, int shst) {
    return new Csts((rdy ? 1 : 0) | (cfs ? 2 : 0) | ((shst & 3) << 2));
  }

  @Override
  public String toString() {
    return allOnes()
        ? "Csts[raw=0xffffffff all-ones]"
        : String.format("Csts[raw=0x%08x rdy=%b cfs=%b shst=%d]", raw, rdy(), cfs(), shst());
  }
}
