package io.jnvme.transport.vfio.internal;

import java.nio.file.Path;
import java.util.Set;

/**
 * What the process may do, as far as the VFIO preconditions care: its ids, capabilities, memlock
 * limit, and whether it may open a device node read-write. {@link SystemCredentials} asks the
 * system; tests describe an unprivileged user instead, since they may well run as root.
 */
public interface Credentials {
  /** CAP_DAC_OVERRIDE: open files regardless of their mode. */
  int CAP_DAC_OVERRIDE = 1;
  /** CAP_IPC_LOCK: lock and pin memory beyond RLIMIT_MEMLOCK. */
  int CAP_IPC_LOCK = 14;
  /** CAP_SYS_RAWIO: required by VFIO's no-IOMMU mode. */
  int CAP_SYS_RAWIO = 17;
  /** RLIM_INFINITY as {@link #memlockLimit()} reports it. */
  long UNLIMITED = -1L;

  /** The effective user id. */
  int uid();

  /** The effective group id and the supplementary groups. */
  Set<Integer> gids();

  /** True if {@code capability} is in the effective set. */
  boolean hasCapability(int capability);

  /** The soft RLIMIT_MEMLOCK in bytes, or {@link #UNLIMITED}. */
  long memlockLimit();

  /** True if this process may open {@code node} for reading and writing. */
  boolean mayReadWrite(Path node);
}
