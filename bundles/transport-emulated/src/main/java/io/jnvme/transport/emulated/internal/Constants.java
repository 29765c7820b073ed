package io.jnvme.transport.emulated.internal;

/** Numbers the emulator fixes once, with the reason for each. */
final class Constants {
  private Constants() {}

  /** The transport name, value of the {@code transport.type} service property. */
  static final String TRANSPORT = "emulated";

  /** Memory page size: CAP.MPSMIN = MPSMAX = 0, so CC.MPS must be 0 and pages are 4 KiB. */
  static final int PAGE_SIZE = 4096;
  static final int PAGE_MASK = PAGE_SIZE - 1;

  /** AERL, zero based: four Asynchronous Event Requests may be outstanding, as on most devices. */
  static final int AERL = 3;

  /** ELPE, zero based: the Error Information log keeps the 64 newest errors (one 4 KiB page). */
  static final int ELPE = 63;

  /** ACL, zero based. Abort completes at once, so the limit never binds; 4 is the spec minimum. */
  static final int ACL = 3;

  /** Composite temperature reported in SMART: 313 K = 40 °C, a cool idle drive. */
  static final int TEMPERATURE_KELVIN = 313;

  /** WCTEMP: 343 K = 70 °C, also the default over-temperature threshold. */
  static final int WCTEMP_KELVIN = 343;

  /** CCTEMP: 358 K = 85 °C. */
  static final int CCTEMP_KELVIN = 358;

  /**
   * Largest Get Log Page transfer the emulator accepts when MDTS is 0 (unlimited): every log it
   * has fits in a few pages, so a bigger request is a host bug, not a reason to allocate gigabytes.
   */
  static final long MAX_LOG_TRANSFER = 2L << 20;

  /** Commands an SQ gives the worker per pass before it moves to the next queue (arbitration). */
  static final int WORKER_BURST = 32;

  /** SUBNQN prefix: the NQN naming authority of the project, with its registration date. */
  static final String NQN_PREFIX = "nqn.2026-11.io.jnvme:emulated:";
}
