package io.jnvme.driver;

/**
 * Saving or restoring a controller failed. A failed save leaves the driver serving as before; a
 * saved state that cannot be used (corrupt, another device, memory missing) makes the driver start
 * the controller cold instead.
 */
public final class SavedStateException extends NvmeException {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Reason {
    /** The bytes are not a saved state: bad magic, checksum, truncation, unknown version. */
    CORRUPT,
    /** The state is for another device. */
    WRONG_DEVICE,
    /** Keepalive is off, or the queues are not in persistent memory. */
    NOT_PERSISTENT,
    /** A memory block the state names could not be re-attached. */
    MISSING_BLOCK,
    /** The controller is not enabled and ready, so its queues are gone. */
    NOT_READY,
    /** Saving failed at one of its steps; nothing changed. */
    SAVE_FAILED
  }

  private final Reason reason;

  public SavedStateException(String message, Reason reason, Throwable cause) {
    super(message + " reason=" + reason, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
