package io.jnvme.transport.qemu.internal;

/**
 * The qtest connection failed: QEMU closed the socket, did not answer in time, or answered
 * something this client did not ask for. After the first failure the connection is closed and
 * every further request fails at once with the first failure's message.
 */
public final class QtestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  QtestException(String message) {
    super(message);
  }

  QtestException(String message, Throwable cause) {
    super(message, cause);
  }
}
