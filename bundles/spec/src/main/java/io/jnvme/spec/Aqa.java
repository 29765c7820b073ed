package io.jnvme.spec;

/**
 * AQA, Admin Queue Attributes (Base spec 2.0, §3.1.4.8).
 *
 * @param raw the 32-bit register value
 */
public record Aqa(int raw) {
  /** Admin Submission Queue Size, zero based (bits 11:0). */
  public int asqsZ() {
    return raw & 0xFFF;
  }

  /** Admin Completion Queue Size, zero based (bits 27:16). */
  public int acqsZ() {
    return (raw >>> 16) & 0xFFF;
  }

  /** Builds AQA from queue sizes in entries (2..4096 each). */
  public static Aqa of(int sqEntries, int cqEntries) {
    return new Aqa(((sqEntries - 1) & 0xFFF) | (((cqEntries - 1) & 0xFFF) << 16));
  }
}
