package io.jnvme.dma.pagepool;

/**
 * The configuration is invalid (size not a multiple of the page size, misaligned device-address
 * base, missing directory, bad pool name), or does not match the pool file that exists (a
 * different size or base would move device addresses the device is still using).
 *
 * @since 1.0
 */
public final class PoolConfigException extends PagePoolException {
  private static final long serialVersionUID = 1L;

  /**
   * @param file the pool file
   * @param message what is wrong, with the offending values
   */
  public PoolConfigException(String file, String message) {
    super(file, message, null);
  }
}
