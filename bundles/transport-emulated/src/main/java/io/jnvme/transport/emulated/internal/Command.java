package io.jnvme.transport.emulated.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.Sqe;
import io.jnvme.spec.Status;
import io.jnvme.transport.emulated.FaultAction;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A command the controller fetched: a private copy of its SQE (the host may reuse the slot at
 * once), where it came from, and its result once executed.
 */
final class Command {
  final SubmissionQueue sq;
  final Sqe sqe;
  /** Controller epoch at fetch; a reset in between makes the command stale. */
  final long epoch;
  final LogEntry log;
  final FaultAction fault;
  private final AtomicBoolean finished = new AtomicBoolean();

  Status status = Status.SUCCESS;
  int dw0;

  Command(SubmissionQueue sq, Sqe sqe, long epoch, LogEntry log, FaultAction fault) {
    this.sq = sq;
    this.sqe = sqe;
    this.epoch = epoch;
    this.log = log;
    this.fault = fault;
  }

  /** A heap copy of the 64-byte SQE at {@code offset} of {@code ring}. */
  static ByteBuffer copySqe(MemoryBlock ring, long offset) {
    ByteBuffer b = ByteBuffer.allocate(Sqe.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    // SAFETY: offset comes from a resolved HostRing, so the 64 bytes lie inside the mapped block.
    ring.copyTo(offset, b);
    return b.clear();
  }

  int qid() {
    return sq.qid;
  }

  boolean admin() {
    return sq.qid == 0;
  }

  int cid() {
    return sqe.cid();
  }

  /** Claims the right to finish the command; only the first caller gets true. */
  boolean finish() {
    return finished.compareAndSet(false, true);
  }

  boolean finished() {
    return finished.get();
  }

  /** Sets the result: status and completion dword 0. */
  Command result(Status s, int dw0) {
    this.status = s;
    this.dw0 = dw0;
    return this;
  }

  @Override
  public String toString() {
    return "Command[qid=" + sq.qid + " " + sqe + "]";
  }
}
