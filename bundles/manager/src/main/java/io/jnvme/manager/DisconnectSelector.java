package io.jnvme.manager;

/**
 * Which controllers a bulk disconnect ({@code nvme:disconnect-all}) may touch.
 *
 * @param mode unowned only (the default), one owner's, or all
 * @param owner the owner for {@link Mode#OWNER}, else null
 * @param transport only controllers on this transport, or null for any
 * @since 1.0
 */
public record DisconnectSelector(Mode mode, String owner, String transport) {
  /** Whose controllers. */
  public enum Mode {
    /** Controllers without an owner: nobody depends on them being kept. */
    UNOWNED,
    /** Controllers whose owner is exactly {@link #owner()}. */
    OWNER,
    /** Every controller, whatever its owner; the registry is not consulted. */
    FORCE
  }

  public DisconnectSelector {
    if (mode == null) {
      throw new IllegalArgumentException("mode must not be null");
    }
    if ((mode == Mode.OWNER) != (owner != null)) {
      throw new IllegalArgumentException("owner=" + owner + " does not fit mode=" + mode);
    }
    if (owner != null && owner.isBlank()) {
      throw new IllegalArgumentException("owner must not be blank");
    }
    if (transport != null && transport.isBlank()) {
      transport = null;
    }
  }

  /** The default: unowned controllers only. */
  public static DisconnectSelector unowned() {
    return new DisconnectSelector(Mode.UNOWNED, null, null);
  }

  /** Controllers owned by {@code owner}. */
  public static DisconnectSelector owner(String owner) {
    return new DisconnectSelector(Mode.OWNER, owner, null);
  }

  /** Every controller. */
  public static DisconnectSelector force() {
    return new DisconnectSelector(Mode.FORCE, null, null);
  }

  /**
   * The selector for the command-line flags {@code --owner}, {@code --force} and
   * {@code --transport}.
   *
   * @param owner the {@code --owner} value, or null
   * @throws DisconnectRefusedException CONFLICTING_OPTIONS if both an owner and force are given
   */
  public static DisconnectSelector of(String owner, boolean force, String transport)
      throws DisconnectRefusedException {
    if (owner != null && force) {
      throw new DisconnectRefusedException("--owner and --force cannot be used together",
          DisconnectRefusedException.Reason.CONFLICTING_OPTIONS, null);
    }
    Mode mode = force ? Mode.FORCE : owner != null ? Mode.OWNER : Mode.UNOWNED;
    return new DisconnectSelector(mode, owner, transport);
  }

  /** This selector restricted to one transport. */
  public DisconnectSelector onTransport(String t) {
    return new DisconnectSelector(mode, owner, t);
  }
}
