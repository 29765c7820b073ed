package io.jnvme.transport.emulated;

import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Sqe;
import java.util.Arrays;

/**
 * Which submitted commands a fault rule applies to: the queue (admin, I/O, a given qid), the
 * opcode, the NSID and any command dword under a mask. Immutable; every method returns a new
 * match, so matches can be built from a shared base.
 *
 * <pre>{@code
 * CommandMatch.io(NvmOpcode.WRITE).nsid(2).cdw12(1 << 30, 1 << 30).count(1)  // the next FUA write to NSID 2
 * CommandMatch.admin(AdminOpcode.CREATE_IO_SQ).cdw10(3, 0xFFFF)               // creating SQ 3
 * }</pre>
 *
 * @since 1.0
 */
public final class CommandMatch {
  private static final int ANY_QUEUE = 0;
  private static final int ADMIN_QUEUE = 1;
  private static final int IO_QUEUE = 2;
  private static final int OPCODE_MASK = 0xFF;

  private final int queueKind;
  private final int qid;
  private final int[] values;
  private final int[] masks;
  private final long count;
  private final long skip;

  private CommandMatch(int queueKind, int qid, int[] values, int[] masks, long count, long skip) {
    this.queueKind = queueKind;
    this.qid = qid;
    this.values = values;
    this.masks = masks;
    this.count = count;
    this.skip = skip;
  }

  private static CommandMatch of(int queueKind, int opcode) {
    int[] v = new int[16];
    int[] m = new int[16];
    if (opcode >= 0) {
      v[0] = opcode;
      m[0] = OPCODE_MASK;
    }
    return new CommandMatch(queueKind, -1, v, m, Long.MAX_VALUE, 0);
  }

  /** Every command on every queue. */
  public static CommandMatch any() {
    return of(ANY_QUEUE, -1);
  }

  /** Every admin command. */
  public static CommandMatch admin() {
    return of(ADMIN_QUEUE, -1);
  }

  /** Admin commands with this opcode. */
  public static CommandMatch admin(AdminOpcode opcode) {
    return of(ADMIN_QUEUE, opcode.raw());
  }

  /** Every command on an I/O queue. */
  public static CommandMatch io() {
    return of(IO_QUEUE, -1);
  }

  /** I/O commands with this opcode. */
  public static CommandMatch io(NvmOpcode opcode) {
    return of(IO_QUEUE, opcode.raw());
  }

  /** Only commands submitted on queue {@code qid} (0 = admin). */
  public CommandMatch qid(int qid) {
    if (qid < 0 || qid > 0xFFFF) {
      throw new IllegalArgumentException("qid=" + qid);
    }
    return new CommandMatch(queueKind, qid, values, masks, count, skip);
  }

  /** Only commands whose NSID is {@code nsid}. */
  public CommandMatch nsid(int nsid) {
    return cdw(1, nsid, 0xFFFF_FFFF);
  }

  /**
   * Only commands whose command dword {@code index} (0..15), under {@code mask}, equals
   * {@code value} under the same mask. Dword 0 holds the opcode (7:0) and the CID (31:16), dword 1
   * the NSID; the PRPs are dwords 6..9. A later condition on the same dword replaces the bits its
   * mask covers.
   */
  public CommandMatch cdw(int index, int value, int mask) {
    if (index < 0 || index > 15) {
      throw new IllegalArgumentException("cdw index=" + index);
    }
    int[] v = values.clone();
    int[] m = masks.clone();
    v[index] = (v[index] & ~mask) | (value & mask);
    m[index] |= mask;
    return new CommandMatch(queueKind, qid, v, m, count, skip);
  }

  public CommandMatch cdw10(int value, int mask) {
    return cdw(10, value, mask);
  }

  public CommandMatch cdw11(int value, int mask) {
    return cdw(11, value, mask);
  }

  public CommandMatch cdw12(int value, int mask) {
    return cdw(12, value, mask);
  }

  public CommandMatch cdw13(int value, int mask) {
    return cdw(13, value, mask);
  }

  public CommandMatch cdw14(int value, int mask) {
    return cdw(14, value, mask);
  }

  public CommandMatch cdw15(int value, int mask) {
    return cdw(15, value, mask);
  }

  /** The rule fires for at most {@code n} matching commands, then stays inert. Default unlimited. */
  public CommandMatch count(long n) {
    if (n < 1) {
      throw new IllegalArgumentException("count=" + n + ": must be at least 1");
    }
    return new CommandMatch(queueKind, qid, values, masks, n, skip);
  }

  /** The first {@code n} matching commands pass untouched (to fail "the third write"). */
  public CommandMatch skip(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("skip=" + n);
    }
    return new CommandMatch(queueKind, qid, values, masks, count, n);
  }

  /** How many times a rule with this match may fire; {@link Long#MAX_VALUE} if unlimited. */
  public long countLimit() {
    return count;
  }

  /** How many matching commands pass before a rule with this match starts firing. */
  public long skipCount() {
    return skip;
  }

  /**
   * True if the command {@code sqe} submitted on queue {@code qid} meets every condition (count
   * and skip are the rule's business, not checked here).
   */
  public boolean test(int qid, Sqe sqe) {
    if (queueKind == ADMIN_QUEUE && qid != 0 || queueKind == IO_QUEUE && qid == 0) {
      return false;
    }
    if (this.qid >= 0 && this.qid != qid) {
      return false;
    }
    for (int i = 0; i < 16; i++) {
      if (masks[i] != 0 && (sqe.cdw(i) & masks[i]) != values[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CommandMatch m && m.queueKind == queueKind && m.qid == qid
        && Arrays.equals(m.values, values) && Arrays.equals(m.masks, masks) && m.count == count
        && m.skip == skip;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(values) + Arrays.hashCode(masks)) + queueKind + qid;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("CommandMatch[");
    s.append(queueKind == ADMIN_QUEUE ? "admin" : queueKind == IO_QUEUE ? "io" : "any");
    if (masks[0] == OPCODE_MASK) {
      int op = values[0];
      s.append(" opcode=").append(queueKind == ADMIN_QUEUE ? new AdminOpcode(op).name()
          : queueKind == IO_QUEUE ? new NvmOpcode(op).name() : String.format("0x%02x", op));
    }
    if (qid >= 0) {
      s.append(" qid=").append(qid);
    }
    for (int i = 0; i < 16; i++) {
      if (masks[i] != 0 && !(i == 0 && masks[0] == OPCODE_MASK)) {
        s.append(String.format(" cdw%d=0x%x/0x%x", i, values[i], masks[i]));
      }
    }
    if (count != Long.MAX_VALUE) {
      s.append(" count=").append(count);
    }
    if (skip != 0) {
      s.append(" skip=").append(skip);
    }
    return s.append(']').toString();
  }
}
