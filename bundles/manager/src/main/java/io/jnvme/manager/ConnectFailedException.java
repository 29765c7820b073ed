package io.jnvme.manager;

/**
 * A controller could not be connected. Nothing is left behind: no controller, no name, no
 * registry entry.
 *
 * @since 1.0
 */
public final class ConnectFailedException extends ManagerException {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Reason {
    /** The transport or the driver could not bring the controller up. */
    TRANSPORT,
    /** The naming rules reject the controller (duplicate CNTLID, single-controller subsystem). */
    REJECTED,
    /** The registry entry could not be written, so the owner could not be recorded. */
    REGISTRY,
    /** The request is invalid (no such transport, a bad option). */
    INVALID_REQUEST
  }

  private final Reason reason;

  public ConnectFailedException(String message, Reason reason, Throwable cause) {
    super(message + " reason=" + reason, cause);
    this.reason = reason;
  }

  /** Why the connect failed. */
  public Reason reason() {
    return reason;
  }
}
