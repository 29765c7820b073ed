package io.jnvme.driver;

/** DMA memory, an interrupt or a queue could not be had. */
public final class ResourceException extends NvmeException {
  private static final long serialVersionUID = 1L;

  public ResourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
