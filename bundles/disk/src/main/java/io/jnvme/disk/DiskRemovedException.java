package io.jnvme.disk;

/**
 * The namespace was removed from its controller, or the device was closed (its configuration was
 * deleted, its controller went away for good). It never serves I/O again.
 *
 * @since 1.0
 */
public final class DiskRemovedException extends DiskException {
  private static final long serialVersionUID = 1L;

  public DiskRemovedException(String device, String message, Throwable cause) {
    super(device, message, cause);
  }
}
