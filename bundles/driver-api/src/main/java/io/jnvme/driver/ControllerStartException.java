package io.jnvme.driver;

import io.jnvme.spec.Status;
import java.util.Optional;

/** The controller could not be brought up; the message says at which step and why. */
public final class ControllerStartException extends NvmeException {
  private static final long serialVersionUID = 1L;

  /** The step of bring-up that failed. */
  public enum Reason {
    /** CSTS.RDY did not reach the expected value within CAP.TO. */
    READY_TIMEOUT,
    /** CSTS.CFS was set during bring-up. */
    FATAL_STATUS,
    /** Registers read as all ones. */
    DEVICE_GONE,
    /** The controller lacks something the driver needs (page size, NVM command set, queues). */
    UNSUPPORTED,
    /** An admin command of bring-up failed or timed out. */
    ADMIN_COMMAND,
    /** Memory, interrupts or the register window could not be had. */
    RESOURCES,
    /** The first I/O queue could not be created. */
    IO_QUEUE
  }

  private final Reason reason;
  private final int statusRaw;

  public ControllerStartException(String message, Reason reason, Throwable cause) {
    super(message + " reason=" + reason, cause);
    this.reason = reason;
    this.statusRaw = cause instanceof NvmeException n && n.status().isPresent()
        ? n.status().get().raw()
        : -1;
  }

  public Reason reason() {
    return reason;
  }

  @Override
  public Optional<Status> status() {
    return statusRaw < 0 ? Optional.empty() : Optional.of(new Status(statusRaw));
  }
}
