package io.jnvme.manager.registry;

/**
 * The registry could not be changed: the directory lock, a write, a rename or a delete failed.
 * Nothing was changed, or the change is complete; an entry is never half written.
 *
 * @since 1.0
 */
public final class RegistryWriteException extends RegistryException {
  private static final long serialVersionUID = 1L;

  public RegistryWriteException(String message, Throwable cause) {
    super(message, cause);
  }
}
