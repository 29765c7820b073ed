package io.jnvme.disk;

/**
 * A write, discard or write-zeroes request to a read-only device.
 *
 * @since 1.0
 */
public final class DiskReadOnlyException extends DiskException {
  private static final long serialVersionUID = 1L;

  public DiskReadOnlyException(String device) {
    super(device, "device is read-only", null);
  }
}
