package io.jnvme.device;

/**
 * An allocator could not provide DMA memory. The message names the allocator and the size asked
 * for, and where the limit is a system setting (RLIMIT_MEMLOCK), names it.
 */
public class DmaException extends Exception {
  private static final long serialVersionUID = 1L;

  public DmaException(String message) {
    super(message);
  }

  public DmaException(String message, Throwable cause) {
    super(message, cause);
  }
}
