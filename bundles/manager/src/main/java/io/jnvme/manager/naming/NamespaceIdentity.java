package io.jnvme.manager.naming;

/**
 * What the naming model needs from Identify Namespace and the namespace identification
 * descriptors.
 *
 * @param nsid Namespace ID
 * @param ids NGUID, EUI-64, UUID and CSI
 * @param shared NMIC bit 0: the namespace may be attached to more than one controller
 * @since 1.0
 */
public record NamespaceIdentity(int nsid, NamespaceIdentifiers ids, boolean shared) {
  public NamespaceIdentity {
    // NSIDs are unsigned; 0 and FFFFFFFFh (broadcast) never name a namespace.
    if (nsid == 0 || nsid == 0xffffffff) {
      throw new IllegalArgumentException("nsid=" + Integer.toUnsignedString(nsid) + " invalid");
    }
    ids = ids == null ? NamespaceIdentifiers.NONE : ids;
  }

  /** A private namespace without identifiers. */
  public static NamespaceIdentity of(int nsid) {
    return new NamespaceIdentity(nsid, NamespaceIdentifiers.NONE, false);
  }

  /** A shared namespace without identifiers. */
  public static NamespaceIdentity shared(int nsid) {
    return new NamespaceIdentity(nsid, NamespaceIdentifiers.NONE, true);
  }
}
