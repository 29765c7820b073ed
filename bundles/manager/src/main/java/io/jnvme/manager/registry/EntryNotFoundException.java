package io.jnvme.manager.registry;

/**
 * No entry has the requested id.
 *
 * @since 1.0
 */
public final class EntryNotFoundException extends RegistryException {
  private static final long serialVersionUID = 1L;

  private final long id;

  public EntryNotFoundException(long id) {
    super("no registry entry id=" + id, null);
    this.id = id;
  }

  /** The id that was asked for. */
  public long id() {
    return id;
  }
}
