package io.jnvme.disk;

/**
 * The device or the driver failed the request: an error status, a timeout, a failed controller.
 * The cause is the driver's exception.
 *
 * @since 1.0
 */
public final class DiskIoException extends DiskException {
  private static final long serialVersionUID = 1L;

  public DiskIoException(String device, String message, Throwable cause) {
    super(device, message, cause);
  }
}
