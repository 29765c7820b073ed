package io.jnvme.driver.internal;

import io.jnvme.driver.IoCompletion;
import io.jnvme.driver.NvmeException;

/**
 * One command slot of a queue pair, preallocated: the command identifier is the slot index in the
 * low bits and a generation counter in the high bits, so a completion for a command that is no
 * longer outstanding is recognised instead of being taken for the slot's next command.
 *
 * <p>Fields other than {@link #state} and {@link #done} are written by the submitter before it
 * publishes {@code state = INFLIGHT} and read by the completion thread after it reads
 * {@code state}; the volatile write/read orders them.
 */
final class Slot {
  static final int FREE = 0;
  static final int INFLIGHT = 1;
  /** Timed out: reported to the caller, but the device may still complete it. */
  static final int TIMED_OUT = 2;
  /** A synchronous command has ended; the waiting thread owns the slot until it frees it. */
  static final int ENDED = 3;

  final int index;
  /** Byte offset of this slot's PRP list pages in the queue's PRP memory. */
  final long prpOffset;

  int generation;
  int cid;
  volatile int state;
  long deadlineNanos;
  int opcode;
  int nsid;

  IoCompletion completion;
  long context;
  Thread waiter;

  volatile boolean done;
  int resultStatus;
  int resultDw0;
  NvmeException resultError;

  Slot(int index, long prpOffset) {
    this.index = index;
    this.prpOffset = prpOffset;
  }
}
