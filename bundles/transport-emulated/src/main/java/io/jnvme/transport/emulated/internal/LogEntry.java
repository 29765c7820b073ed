package io.jnvme.transport.emulated.internal;

import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Sqe;
import io.jnvme.spec.Status;
import io.jnvme.transport.emulated.CommandLogEntry;
import io.jnvme.transport.emulated.FaultAction;
import java.time.Instant;
import java.util.Optional;

/** A command log entry: the fetched command, immutable, and its outcome, set once. */
final class LogEntry implements CommandLogEntry {
  private final CommandLogImpl log;
  private final long sequence;
  private final Instant time;
  private final long nanoTime;
  private final int qid;
  private final int[] cdw = new int[16];
  private final FaultAction fault;
  private volatile State state = State.OUTSTANDING;
  private volatile Status status;
  private volatile int dw0;
  private volatile long finishNanoTime;

  LogEntry(CommandLogImpl log, long sequence, int qid, Sqe sqe, FaultAction fault) {
    this.log = log;
    this.sequence = sequence;
    this.time = Instant.now();
    this.nanoTime = System.nanoTime();
    this.qid = qid;
    for (int i = 0; i < 16; i++) {
      cdw[i] = sqe.cdw(i);
    }
    this.fault = fault;
  }

  void completed(Status s, int dw0) {
    this.status = s;
    this.dw0 = dw0;
    finish(State.COMPLETED);
  }

  void dropped() {
    finish(State.DROPPED);
  }

  void discarded() {
    finish(State.DISCARDED);
  }

  private void finish(State s) {
    finishNanoTime = System.nanoTime();
    state = s;
    log.changed();
  }

  @Override
  public long sequence() {
    return sequence;
  }

  @Override
  public Instant time() {
    return time;
  }

  @Override
  public long nanoTime() {
    return nanoTime;
  }

  @Override
  public int qid() {
    return qid;
  }

  @Override
  public int opcode() {
    return cdw[0] & 0xFF;
  }

  @Override
  public int cid() {
    return cdw[0] >>> 16;
  }

  @Override
  public int nsid() {
    return cdw[1];
  }

  @Override
  public int cdw(int n) {
    return cdw[n];
  }

  @Override
  public State state() {
    return state;
  }

  @Override
  public Status status() {
    return status;
  }

  @Override
  public int dw0() {
    return dw0;
  }

  @Override
  public long finishNanoTime() {
    return finishNanoTime;
  }

  @Override
  public Optional<FaultAction> fault() {
    return Optional.ofNullable(fault);
  }

  @Override
  public String toString() {
    String op = admin() ? new AdminOpcode(opcode()).name()
        : new NvmOpcode(opcode()).name();
    return "CommandLogEntry[#" + sequence + " qid=" + qid + " " + op + " cid=" + cid() + " nsid="
        + nsid() + String.format(" cdw10=0x%08x cdw11=0x%08x cdw12=0x%08x", cdw[10], cdw[11], cdw[12])
        + " state=" + state + (status != null ? " status=" + status : "")
        + (fault != null ? " fault=" + fault : "") + "]";
  }
}
