package io.jnvme.driver;

import io.jnvme.spec.Status;
import java.util.Optional;

/** A namespace cannot be opened or used. */
public final class NamespaceException extends NvmeException {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Reason {
    /** The NSID is not an active namespace (Identify returned NSZE = 0). */
    NOT_FOUND,
    /** A handle for this NSID is already open. */
    DUPLICATE,
    /** The namespace was removed from the controller; this object never serves I/O again. */
    REMOVED,
    /** The handle was closed. */
    CLOSED,
    /** FLBAS selects an LBA format beyond NLBAF. */
    INVALID_FLBAS,
    /** The LBA data size is outside 2^9..2^16 bytes. */
    INVALID_LBA_FORMAT,
    /** MDTS is smaller than one logical block. */
    INVALID_MDTS
  }

  private final Reason reason;
  private final int nsid;

  public NamespaceException(String message, Reason reason, int nsid) {
    super(message + " reason=" + reason + " nsid=" + nsid, null);
    this.reason = reason;
    this.nsid = nsid;
  }

  public Reason reason() {
    return reason;
  }

  public int nsid() {
    return nsid;
  }

  /** A removed namespace reports the status a controller gives for an inactive NSID. */
  @Override
  public Optional<Status> status() {
    return reason == Reason.REMOVED || reason == Reason.NOT_FOUND
        ? Optional.of(Status.INVALID_NAMESPACE_OR_FORMAT)
        : Optional.empty();
  }
}
