package io.jnvme.manager.registry;

import java.nio.file.Path;

/**
 * The registry directory, an entry or the id counter cannot be read or parsed, so what it says
 * about owners is unknown.
 *
 * @since 1.0
 */
public final class RegistryUnreadableException extends RegistryException {
  private static final long serialVersionUID = 1L;

  private final transient Path path;

  public RegistryUnreadableException(String message, Path path, Throwable cause) {
    super(message + " path=" + path, cause);
    this.path = path;
  }

  /** The file or directory that could not be read. */
  public Path path() {
    return path;
  }
}
