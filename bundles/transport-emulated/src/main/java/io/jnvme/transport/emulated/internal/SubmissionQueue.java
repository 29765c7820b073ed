package io.jnvme.transport.emulated.internal;

import io.jnvme.spec.Sqe;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A submission queue as the controller sees it: the ring, the tail the host last wrote to the
 * doorbell, and the head up to which the controller fetched. Fetching happens under
 * {@link #lock} (for the admin queue, under the controller lock instead).
 */
final class SubmissionQueue {
  /** Commands between fetch and completion in one burst are few: they complete at once. */
  private static final int SPARE_COMMANDS = 16;
  final int qid;
  final HostRing ring;
  final CompletionQueue cq;
  /** QPRIO; with round robin, the only arbitration offered (CAP.AMS = 0), it has no effect. */
  final int priority;
  final ReentrantLock lock = new ReentrantLock();
  /** Commands held by a delay fault; aborted if the queue is deleted before they run. */
  final Set<Command> delayed = ConcurrentHashMap.newKeySet();

  /** Command objects for reuse; only touched under {@link #lock}. */
  private final Command[] spare = new Command[SPARE_COMMANDS];
  private int spares;

  /** Written by the host's doorbell thread. */
  volatile int tail;
  /** Written by the fetching thread, read when completions report SQHD. */
  volatile int head;
  volatile boolean deleted;

  SubmissionQueue(int qid, long base, int entries, CompletionQueue cq, int priority) {
    this.qid = qid;
    this.ring = new HostRing(base, Sqe.SIZE, entries);
    this.cq = cq;
    this.priority = priority;
  }

  int size() {
    return ring.entries;
  }

  /** A command object to fetch into: a spare one if any. Under {@link #lock}. */
  Command take() {
    return spares > 0 ? spare[--spares] : new Command(this);
  }

  /**
   * Returns {@code c} for reuse if nothing keeps it (see {@link Command}); otherwise it stays
   * with whoever holds it and {@link #take} makes a new one. Under {@link #lock}.
   */
  void recycle(Command c) {
    if (c.released && spares < spare.length) {
      spare[spares++] = c;
    }
  }

  /** Entries submitted and not fetched, and room in the CQ to complete them. */
  boolean hasWork() {
    return !deleted && head != tail && !cq.hasHeld();
  }

  @Override
  public String toString() {
    return "SQ[qid=" + qid + " size=" + size() + " cq=" + cq.qid + " head=" + head + " tail=" + tail
        + "]";
  }
}
