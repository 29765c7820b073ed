package io.jnvme.spec;

/**
 * Controller register offsets in BAR0 (Base spec 2.0, §3.1.4 "Controller Properties") and the
 * doorbell arithmetic.
 */
public final class Bar0 {
  private Bar0() {}

  /** Controller Capabilities, 64 bits. */
  public static final int CAP = 0x00;
  /** Version, 32 bits. */
  public static final int VS = 0x08;
  /** Interrupt Mask Set, 32 bits. */
  public static final int INTMS = 0x0C;
  /** Interrupt Mask Clear, 32 bits. */
  public static final int INTMC = 0x10;
  /** Controller Configuration, 32 bits. */
  public static final int CC = 0x14;
  /** Controller Status, 32 bits. */
  public static final int CSTS = 0x1C;
  /** NVM Subsystem Reset, 32 bits. */
  public static final int NSSR = 0x20;
  /** Admin Queue Attributes, 32 bits. */
  public static final int AQA = 0x24;
  /** Admin Submission Queue base address, 64 bits. */
  public static final int ASQ = 0x28;
  /** Admin Completion Queue base address, 64 bits. */
  public static final int ACQ = 0x30;
  /** Controller Memory Buffer Location, 32 bits. */
  public static final int CMBLOC = 0x38;
  /** Controller Memory Buffer Size, 32 bits. */
  public static final int CMBSZ = 0x3C;
  /** Boot Partition Information, 32 bits. */
  public static final int BPINFO = 0x40;
  /** Boot Partition Read Select, 32 bits. */
  public static final int BPRSEL = 0x44;
  /** Boot Partition Memory Buffer Location, 64 bits. */
  public static final int BPMBL = 0x48;
  /** Controller Memory Buffer Memory Space Control, 64 bits. */
  public static final int CMBMSC = 0x50;
  /** Controller Memory Buffer Status, 32 bits. */
  public static final int CMBSTS = 0x58;
  /** NVM Subsystem Shutdown, 32 bits. */
  public static final int NSSD = 0x64;
  /** Controller Ready Timeouts, 32 bits. */
  public static final int CRTO = 0x68;
  /** Persistent Memory Region Capabilities, 32 bits (first of the PMR registers). */
  public static final int PMRCAP = 0xE00;
  /**
   * The value to write to {@link #NSSR} to start an NVM Subsystem Reset: "NVMe" in ASCII, read as
   * a little-endian dword. Any other value has no effect.
   */
  public static final int NSSR_RESET_VALUE = 0x4E56_4D65;
  /** First doorbell register (SQ 0 tail). */
  public static final int DOORBELL_BASE = 0x1000;

  /**
   * Offset of the submission queue tail doorbell of queue {@code qid}.
   *
   * @param qid queue id, 0 for admin
   * @param dstrd {@link Cap#dstrd()}: the stride is {@code 4 << dstrd} bytes
   */
  public static int sqTailDoorbell(int qid, int dstrd) {
    return DOORBELL_BASE + ((2 * qid) << (2 + dstrd));
  }

  /** Offset of the completion queue head doorbell of queue {@code qid}. */
  public static int cqHeadDoorbell(int qid, int dstrd) {
    return DOORBELL_BASE + ((2 * qid + 1) << (2 + dstrd));
  }

  /** Bytes of BAR0 needed to reach the doorbells of queues 0..{@code maxQid}. */
  public static int sizeFor(int maxQid, int dstrd) {
    return cqHeadDoorbell(maxQid, dstrd) + 4;
  }
}
