package io.jnvme.manager;

/**
 * Every failure the controller manager reports. Sealed: a caller (a shell command, an
 * orchestrator) can handle each kind.
 *
 * @since 1.0
 */
public abstract sealed class ManagerException extends Exception
    permits ConnectFailedException, DisconnectRefusedException, UnknownControllerException,
        ServicingException {
  private static final long serialVersionUID = 1L;

  protected ManagerException(String message, Throwable cause) {
    super(message, cause);
  }
}
