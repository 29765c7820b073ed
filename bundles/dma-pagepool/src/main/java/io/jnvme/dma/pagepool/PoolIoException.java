package io.jnvme.dma.pagepool;

import java.io.IOException;

/**
 * The pool file could not be created, sized, locked or mapped (permissions, a full tmpfs, no
 * free huge pages). The cause is the operating system's answer.
 *
 * @since 1.0
 */
public final class PoolIoException extends PagePoolException {
  private static final long serialVersionUID = 1L;

  /**
   * @param file the pool file
   * @param message what was being done
   * @param cause the I/O error
   */
  public PoolIoException(String file, String message, IOException cause) {
    super(file, message + ": " + cause, cause);
  }
}
