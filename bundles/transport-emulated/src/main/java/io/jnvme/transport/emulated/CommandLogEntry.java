package io.jnvme.transport.emulated;

import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Status;
import java.time.Instant;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One command as the controller fetched it, and what became of it. The command fields never
 * change; {@link #state()}, {@link #status()} and {@link #dw0()} are set once the command is
 * finished. A finished command's entry is updated before its completion entry becomes visible to
 * the host, so a test that saw the completion sees the final state here.
 *
 * @since 1.0
 */
@ProviderType
public interface CommandLogEntry {
  /** What became of a command. */
  enum State {
    /** Being executed, delayed, or an Asynchronous Event Request waiting for an event. */
    OUTSTANDING,
    /** The controller produced a completion (which may still wait for room in a full CQ). */
    COMPLETED,
    /** Dropped by a fault rule: no completion will ever come. */
    DROPPED,
    /** Discarded by a controller reset or close before it completed. */
    DISCARDED
  }

  /** Position in the controller's log since it was built, from 0; never reused. */
  long sequence();

  /** Wall-clock time the controller fetched the command. */
  Instant time();

  /** {@link System#nanoTime()} when the controller fetched the command. */
  long nanoTime();

  /** Submission queue the command came from; 0 for admin. */
  int qid();

  /** True for an admin command. */
  default boolean admin() {
    return qid() == 0;
  }

  /** Opcode (CDW0 bits 7:0). */
  int opcode();

  /** True if this is an admin command with opcode {@code op}. */
  default boolean is(AdminOpcode op) {
    return admin() && opcode() == op.raw();
  }

  /** True if this is an I/O command with opcode {@code op}. */
  default boolean is(NvmOpcode op) {
    return !admin() && opcode() == op.raw();
  }

  /** Command Identifier as submitted. */
  int cid();

  /** Namespace Identifier. */
  int nsid();

  /** Command dword {@code n}, 0..15, as submitted. */
  int cdw(int n);

  default int cdw10() {
    return cdw(10);
  }

  default int cdw11() {
    return cdw(11);
  }

  default int cdw12() {
    return cdw(12);
  }

  default int cdw13() {
    return cdw(13);
  }

  default int cdw14() {
    return cdw(14);
  }

  default int cdw15() {
    return cdw(15);
  }

  /** PRP Entry 1. */
  default long prp1() {
    return (cdw(6) & 0xFFFF_FFFFL) | ((long) cdw(7) << 32);
  }

  /** PRP Entry 2. */
  default long prp2() {
    return (cdw(8) & 0xFFFF_FFFFL) | ((long) cdw(9) << 32);
  }

  /** Read, Write, Write Zeroes: Starting LBA (CDW11:CDW10). */
  default long slba() {
    return (cdw10() & 0xFFFF_FFFFL) | ((long) cdw11() << 32);
  }

  /** Read, Write, Write Zeroes: Number of Logical Blocks (CDW12 bits 15:0 plus one). */
  default int blockCount() {
    return (cdw12() & 0xFFFF) + 1;
  }

  /** Read, Write: Force Unit Access (CDW12 bit 30). */
  default boolean fua() {
    return (cdw12() & (1 << 30)) != 0;
  }

  /** What became of the command so far. */
  State state();

  /** The status it completed with; null unless {@link #state()} is COMPLETED. */
  Status status();

  /** Completion dword 0; 0 unless completed. */
  int dw0();

  /** {@link System#nanoTime()} when the command finished; 0 while outstanding. */
  long finishNanoTime();

  /** The fault action applied to the command, if a rule matched it. */
  Optional<FaultAction> fault();
}
