package io.jnvme.manager;

/** Servicing failed: the driver bundle could not be updated, or controllers did not come back. */
public final class ServicingException extends ManagerException {
  private static final long serialVersionUID = 1L;

  public ServicingException(String message, Throwable cause) {
    super(message, cause);
  }
}
