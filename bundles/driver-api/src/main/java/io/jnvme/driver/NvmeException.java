package io.jnvme.driver;

import io.jnvme.spec.Status;
import java.util.Optional;

/**
 * Every failure the driver reports. Sealed: a caller can handle each kind. Where the device
 * returned a status, {@link #status()} carries it unchanged.
 */
public abstract sealed class NvmeException extends Exception
    permits NvmeStatusException,
        CommandTimeoutException,
        ControllerFailedException,
        ControllerStartException,
        NamespaceException,
        InvalidRequestException,
        ResourceException,
        SavedStateException {
  private static final long serialVersionUID = 1L;

  protected NvmeException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The NVMe status behind this failure, if the device returned one. */
  public Optional<Status> status() {
    return Optional.empty();
  }
}
