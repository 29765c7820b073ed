package io.jnvme.transport.qemu;

/**
 * QEMU could not be started, attached to, or asked to do something: the message says what and
 * where (binary, socket, run directory), in {@code key=value} style.
 *
 * @since 1.0
 */
public class QemuException extends Exception {
  private static final long serialVersionUID = 1L;

  public QemuException(String message) {
    super(message);
  }

  public QemuException(String message, Throwable cause) {
    super(message, cause);
  }
}
