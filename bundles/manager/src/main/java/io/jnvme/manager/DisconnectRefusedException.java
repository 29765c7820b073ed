package io.jnvme.manager;

/**
 * A bulk disconnect was refused before anything was disconnected.
 *
 * @since 1.0
 */
public final class DisconnectRefusedException extends ManagerException {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Reason {
    /**
     * The registry, or the entry of a controller that would be considered, cannot be read, so
     * its owner is unknown.
     */
    REGISTRY_UNREADABLE,
    /** An owner and force were both given. */
    CONFLICTING_OPTIONS
  }

  private final Reason reason;

  public DisconnectRefusedException(String message, Reason reason, Throwable cause) {
    super(message + " reason=" + reason, cause);
    this.reason = reason;
  }

  /** Why nothing was disconnected. */
  public Reason reason() {
    return reason;
  }
}
