package io.jnvme.device;

/** A transport could not do what was asked: map a BAR, an interrupt, or DMA memory. */
public class DeviceException extends Exception {
  private static final long serialVersionUID = 1L;

  public DeviceException(String message) {
    super(message);
  }

  public DeviceException(String message, Throwable cause) {
    super(message, cause);
  }
}
