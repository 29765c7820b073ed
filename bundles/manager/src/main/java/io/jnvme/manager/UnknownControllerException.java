package io.jnvme.manager;

/**
 * No controller connected through this manager has the given name.
 *
 * @since 1.0
 */
public final class UnknownControllerException extends ManagerException {
  private static final long serialVersionUID = 1L;

  private final String name;

  public UnknownControllerException(String name) {
    super("no connected controller name=" + name, null);
    this.name = name;
  }

  /** The name that was asked for. */
  public String name() {
    return name;
  }
}
