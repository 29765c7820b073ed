package io.jnvme.driver;

/** The caller asked for something invalid: a range past the end, a buffer too small, etc. */
public final class InvalidRequestException extends NvmeException {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message, null);
  }
}
