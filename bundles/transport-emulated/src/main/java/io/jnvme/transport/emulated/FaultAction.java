package io.jnvme.transport.emulated;

import io.jnvme.spec.Status;
import java.time.Duration;
import java.util.Objects;

/**
 * What a fault rule does to a command it matches. One action per rule.
 *
 * @since 1.0
 */
public sealed interface FaultAction permits FaultAction.Drop, FaultAction.Delay, FaultAction.Fail,
    FaultAction.RewriteCid, FaultAction.RewriteStatus, FaultAction.RewriteCommand {

  /**
   * The controller fetches the command and forgets it: no side effects, no completion. The host
   * sees a command that never completes.
   */
  static FaultAction drop() {
    return new Drop();
  }

  /**
   * The command is held for {@code duration}, then executed and completed as usual. Commands
   * behind it go on, so completions arrive out of order. A reset or deletion of the queue in the
   * meantime discards it (a deleted SQ completes it with Aborted due to SQ Deletion).
   */
  static FaultAction delay(Duration duration) {
    return new Delay(duration);
  }

  /** The command completes at once with {@code status} and without side effects. */
  static FaultAction status(Status status) {
    return new Fail(status);
  }

  /**
   * The command executes normally, but its completion carries {@code cid} instead of the
   * command's own CID: how the host's handling of an unknown or stale CID is tested.
   */
  static FaultAction completionCid(int cid) {
    return new RewriteCid(cid);
  }

  /**
   * The command executes normally, with all its side effects, but its completion reports
   * {@code status}: a write that happened and says it failed, for testing retries.
   */
  static FaultAction completionStatus(Status status) {
    return new RewriteStatus(status);
  }

  /**
   * Command dword {@code index} (0..15) is changed under {@code mask} to {@code value} before the
   * command executes, as if the host had written that: a redirected LBA, a wrong NSID. The
   * command log keeps the command as the host submitted it.
   */
  static FaultAction rewrite(int index, int value, int mask) {
    return new RewriteCommand(index, value, mask);
  }

  /** See {@link FaultAction#drop()}. */
  record Drop() implements FaultAction {}

  /**
   * See {@link FaultAction#delay(Duration)}.
   *
   * @param duration how long the command is held, not negative
   */
  record Delay(Duration duration) implements FaultAction {
    public Delay {
      Objects.requireNonNull(duration, "duration");
      if (duration.isNegative()) {
        throw new IllegalArgumentException("delay=" + duration + ": negative");
      }
    }
  }

  /**
   * See {@link FaultAction#status(Status)}.
   *
   * @param status the status the command completes with
   */
  record Fail(Status status) implements FaultAction {
    public Fail {
      Objects.requireNonNull(status, "status");
    }
  }

  /**
   * See {@link FaultAction#completionCid(int)}.
   *
   * @param cid the CID written into the completion, 0..65535
   */
  record RewriteCid(int cid) implements FaultAction {
    public RewriteCid {
      if (cid < 0 || cid > 0xFFFF) {
        throw new IllegalArgumentException("cid=" + cid + ": not a 16-bit value");
      }
    }
  }

  /**
   * See {@link FaultAction#completionStatus(Status)}.
   *
   * @param status the status the completion reports
   */
  record RewriteStatus(Status status) implements FaultAction {
    public RewriteStatus {
      Objects.requireNonNull(status, "status");
    }
  }

  /**
   * See {@link FaultAction#rewrite(int, int, int)}.
   *
   * @param index command dword, 0..15
   * @param value new bits
   * @param mask which bits change
   */
  record RewriteCommand(int index, int value, int mask) implements FaultAction {
    public RewriteCommand {
      if (index < 0 || index > 15) {
        throw new IllegalArgumentException("cdw index=" + index);
      }
    }

    /** The dword after the rewrite. */
    public int apply(int cdw) {
      return (cdw & ~mask) | (value & mask);
    }
  }
}
