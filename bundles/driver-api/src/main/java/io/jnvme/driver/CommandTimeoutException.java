package io.jnvme.driver;

/**
 * A command did not complete within its timeout. The command may still be running on the device;
 * its slot stays reserved until the device completes it or the controller is reset, so a late
 * completion can never be taken for another command's.
 */
public final class CommandTimeoutException extends NvmeException {
  private static final long serialVersionUID = 1L;

  public CommandTimeoutException(String message) {
    super(message, null);
  }
}
