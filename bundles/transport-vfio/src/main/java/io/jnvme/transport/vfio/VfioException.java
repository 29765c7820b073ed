package io.jnvme.transport.vfio;

import io.jnvme.device.DeviceException;
import java.util.Objects;

/**
 * A VFIO device could not be opened or could not map memory, for the {@link #problem() reason}
 * that the message spells out together with what to do about it.
 *
 * @since 1.0
 */
public class VfioException extends DeviceException {
  private static final long serialVersionUID = 1L;

  private final VfioProblem problem;
  private final String address;

  /**
   * @param address the PCI address as given or normalised, or null if it could not be parsed
   */
  public VfioException(VfioProblem problem, String address, String message) {
    super(message);
    this.problem = Objects.requireNonNull(problem, "problem");
    this.address = address;
  }

  public VfioException(VfioProblem problem, String address, String message, Throwable cause) {
    super(message, cause);
    this.problem = Objects.requireNonNull(problem, "problem");
    this.address = address;
  }

  /** What went wrong. */
  public VfioProblem problem() {
    return problem;
  }

  /** The device's PCI address ({@code 0000:01:00.0}), or null if the address was invalid. */
  public String address() {
    return address;
  }
}
