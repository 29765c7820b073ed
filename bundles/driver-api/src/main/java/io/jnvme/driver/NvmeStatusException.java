package io.jnvme.driver;

import io.jnvme.spec.Status;
import java.util.Optional;

/** A command completed with an error status; the status is carried unchanged. */
public final class NvmeStatusException extends NvmeException {
  private static final long serialVersionUID = 1L;
  private final int statusRaw;
  private final int opcode;
  private final boolean admin;

  public NvmeStatusException(String message, Status status, int opcode, boolean admin) {
    super(message + " status=" + status + " opcode=0x" + Integer.toHexString(opcode)
        + (admin ? " queue=admin" : ""), null);
    this.statusRaw = status.raw();
    this.opcode = opcode;
    this.admin = admin;
  }

  /** The status the device returned. */
  public Status nvmeStatus() {
    return new Status(statusRaw);
  }

  @Override
  public Optional<Status> status() {
    return Optional.of(nvmeStatus());
  }

  /** Opcode of the failed command. */
  public int opcode() {
    return opcode;
  }

  /** True if the command was an admin command. */
  public boolean admin() {
    return admin;
  }
}
