package io.jnvme.dma.pagepool;

/**
 * The pool file is not a page pool this build can read: wrong magic, a checksum that does not
 * match, an unsupported format version, impossible geometry, or slot records that overlap or
 * point outside the pool. Nothing in the file is changed when this is thrown.
 *
 * @since 1.0
 */
public final class PoolFormatException extends PagePoolException {
  private static final long serialVersionUID = 1L;

  /**
   * @param file the pool file
   * @param message what is wrong, with the offending values
   */
  public PoolFormatException(String file, String message) {
    super(file, message, null);
  }
}
