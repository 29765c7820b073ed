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
 *
 * <p>An I/O queue keeps a few of these for reuse ({@link SubmissionQueue#take}), so that the
 * common command (no fault, completed at once) costs no allocation: like a device's command
 * context, the object is bound to a command at fetch and unbound when its completion is written.
 * Anything that may keep a reference longer (a fault, a completion held for room) takes the object
 * out of circulation instead.
 */
final class Command {
  final SubmissionQueue sq;
  final Sqe sqe;
  private final ByteBuffer copy;
  /** Controller epoch at fetch; a reset in between makes the command stale. */
  long epoch;
  LogEntry log;
  FaultAction fault;
  private final AtomicBoolean finished = new AtomicBoolean();
  /** The completion waits in the CQ for room, so the CQ keeps this object. */
  boolean held;
  /** Set once the command completed on the fetching thread with nothing keeping this object. */
  boolean released;

  Status status = Status.SUCCESS;
  int dw0;
  /** Reused by every data transfer of this object (it is recycled, see above). */
  private PrpWalk prpWalk;

  Command(SubmissionQueue sq) {
    this.sq = sq;
    this.copy = ByteBuffer.allocate(Sqe.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    this.sqe = new Sqe().wrap(copy, 0);
  }

  /** Binds this object to the 64-byte SQE at {@code offset} of {@code ring}, fetched now. */
  Command fetch(MemoryBlock ring, long offset, long epoch) {
    // SAFETY: offset comes from a resolved HostRing, so the 64 bytes lie inside the mapped block.
    ring.copyTo(offset, copy.clear());
    copy.clear();
    this.epoch = epoch;
    this.log = null;
    this.fault = null;
    this.held = false;
    this.released = false;
    this.status = Status.SUCCESS;
    this.dw0 = 0;
    finished.set(false);
    return this;
  }

  /** A PRP walker for this command's transfer. */
  PrpWalk prpWalk() {
    if (prpWalk == null) {
      prpWalk = new PrpWalk();
    }
    return prpWalk;
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
