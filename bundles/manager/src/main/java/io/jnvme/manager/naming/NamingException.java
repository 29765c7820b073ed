package io.jnvme.manager.naming;

/**
 * A controller or namespace that the naming rules reject, for the reasons the kernel rejects
 * them. The state it was applied to is unchanged.
 *
 * @since 1.0
 */
public final class NamingException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Reason {
    /** A controller with the same CNTLID is already live in the subsystem. */
    DUPLICATE_CNTLID,
    /** The subsystem already has a live controller and CMIC does not allow a second. */
    NOT_MULTI_CONTROLLER,
    /** A namespace with this NSID exists and one of the two is not shared. */
    DUPLICATE_UNSHARED_NAMESPACE,
    /** A shared namespace with this NSID exists with different identifiers. */
    IDENTIFIERS_MISMATCH,
    /** Another namespace in the subsystem reports one of the same identifiers. */
    DUPLICATE_IDENTIFIERS,
    /**
     * The device name the namespace would get is taken: a second path to a namespace whose head
     * has no multipath node, which happens when controllers of one subsystem disagree on CMIC.
     */
    NAME_IN_USE
  }

  private final Reason reason;

  public NamingException(String message, Reason reason) {
    super(message + " reason=" + reason);
    this.reason = reason;
  }

  /** Why the controller or namespace was rejected. */
  public Reason reason() {
    return reason;
  }
}
