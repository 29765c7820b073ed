package io.jnvme.dma.pagepool;

/**
 * The pool no longer serves this request: it was closed, it was withdrawn (its OSGi service is
 * going away), or the client was superseded by a newer client for the same device.
 *
 * @since 1.0
 */
public final class PoolClosedException extends PagePoolException {
  private static final long serialVersionUID = 1L;

  /**
   * @param file the pool file
   * @param message why the request is refused
   */
  public PoolClosedException(String file, String message) {
    super(file, message, null);
  }
}
