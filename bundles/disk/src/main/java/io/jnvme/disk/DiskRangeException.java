package io.jnvme.disk;

/**
 * The request lies (partly) outside the device, or its arguments are invalid (a negative length).
 *
 * @since 1.0
 */
public final class DiskRangeException extends DiskException {
  private static final long serialVersionUID = 1L;

  public DiskRangeException(String device, String message, Throwable cause) {
    super(device, message, cause);
  }
}
