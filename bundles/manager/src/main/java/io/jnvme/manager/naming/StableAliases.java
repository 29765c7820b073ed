package io.jnvme.manager.naming;

import java.util.ArrayList;
import java.util.List;

/**
 * Names for a namespace that do not depend on the order controllers and namespaces appeared in,
 * for users who must find the same namespace again (what {@code /dev/disk/by-id} is on Linux).
 *
 * <p>Every namespace has {@code <subsystem NQN>:nsid:<NSID>}; a namespace that reports an NGUID,
 * EUI-64 or UUID also has {@code nguid:<32 hex digits>}, {@code eui64:<16 hex digits>} and
 * {@code uuid:<uuid>}. Hex digits are lower case, in the byte order Identify reports them.
 *
 * @since 1.0
 */
public final class StableAliases {
  /** Separates the subsystem NQN from the NSID; NQNs may contain colons, so parse from the end. */
  public static final String NSID_SEPARATOR = ":nsid:";

  private StableAliases() {}

  /** The aliases of namespace {@code nsid} of the subsystem {@code subsystemNqn}. */
  public static List<String> of(String subsystemNqn, int nsid, NamespaceIdentifiers ids) {
    List<String> out = new ArrayList<>(4);
    out.add(subsystemNqn + NSID_SEPARATOR + Integer.toUnsignedString(nsid));
    if (ids.nguid() != null) {
      out.add("nguid:" + ids.nguid());
    }
    if (ids.eui64() != null) {
      out.add("eui64:" + ids.eui64());
    }
    if (ids.uuid() != null) {
      out.add("uuid:" + ids.uuid());
    }
    return List.copyOf(out);
  }
}
