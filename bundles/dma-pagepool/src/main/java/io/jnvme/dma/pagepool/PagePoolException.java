package io.jnvme.dma.pagepool;

import io.jnvme.device.DmaException;

/**
 * A page pool could not do what was asked. The subclass says why; every message names the pool
 * file and uses {@code key=value} pairs for the numbers involved.
 *
 * @since 1.0
 */
public abstract sealed class PagePoolException extends DmaException
    permits PoolFullException, PoolLockedException, PoolFormatException, PoolConfigException,
        PoolClosedException, PoolIoException {
  private static final long serialVersionUID = 1L;

  private final String file;

  PagePoolException(String file, String message, Throwable cause) {
    super("pagepool file=" + file + ": " + message, cause);
    this.file = file;
  }

  /** The pool file, as configured. */
  public String file() {
    return file;
  }
}
