package io.jnvme.driver;

/**
 * The controller can no longer serve commands: it reported a fatal status, disappeared, broke the
 * protocol, or was shut down. Every outstanding command fails with this exception.
 */
public final class ControllerFailedException extends NvmeException {
  private static final long serialVersionUID = 1L;

  /** Why the controller stopped serving. */
  public enum Reason {
    /** CSTS.CFS was set: the controller had a fatal error. */
    FATAL_STATUS,
    /** Registers read as all ones: the device is gone. */
    DEVICE_GONE,
    /** The device broke the protocol (e.g. a completion for a command that was not issued). */
    DEVICE_FAULT,
    /** The controller was shut down or reset by the host. */
    SHUT_DOWN,
    /**
     * The driver was replaced while the controller stayed up (servicing): retry on the controller
     * object the new driver registered.
     */
    SERVICED
  }

  private final Reason reason;
  private final int csts;

  public ControllerFailedException(String message, Reason reason, int csts) {
    super(message + " reason=" + reason + String.format(" csts=0x%08x", csts), null);
    this.reason = reason;
    this.csts = csts;
  }

  public Reason reason() {
    return reason;
  }

  /** The CSTS value read when the failure was detected. */
  public int csts() {
    return csts;
  }
}
