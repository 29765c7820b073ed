package io.jnvme.disk;

import io.jnvme.driver.NvmeException;
import io.jnvme.spec.Status;
import java.util.Optional;

/**
 * Every failure a {@link BlockDevice} reports. Sealed, so a caller can handle each kind; where the
 * NVMe device returned a status, {@link #status()} carries it unchanged and the driver's
 * {@link NvmeException} is the cause.
 *
 * @since 1.0
 */
public abstract sealed class DiskException extends Exception
    permits DiskIoException, DiskRangeException, DiskReadOnlyException, DiskRemovedException {
  private static final long serialVersionUID = 1L;

  /** The device name, e.g. {@code nvme0n1}. */
  private final String device;

  protected DiskException(String device, String message, Throwable cause) {
    super(message + " device=" + device, cause);
    this.device = device;
  }

  /** The name of the device that failed the request. */
  public String device() {
    return device;
  }

  /** The NVMe status behind this failure, if the device returned one. */
  public Optional<Status> status() {
    return getCause() instanceof NvmeException n ? n.status() : Optional.empty();
  }
}
