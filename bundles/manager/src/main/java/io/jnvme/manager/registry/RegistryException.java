package io.jnvme.manager.registry;

/**
 * Every failure of the ownership registry. Sealed: callers can tell a registry that cannot be
 * read (which must never lead to a disconnect) from one that cannot be written.
 *
 * @since 1.0
 */
public abstract sealed class RegistryException extends Exception
    permits RegistryUnreadableException, RegistryWriteException, EntryNotFoundException {
  private static final long serialVersionUID = 1L;

  protected RegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
