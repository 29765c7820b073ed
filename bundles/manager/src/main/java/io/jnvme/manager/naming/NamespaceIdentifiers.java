package io.jnvme.manager.naming;

import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;

/**
 * The globally unique identifiers a namespace reports: NGUID, EUI-64 and UUID, each absent when
 * not reported (the device returns all zeros), plus the command set identifier.
 *
 * @param nguid NGUID as 32 lower-case hex digits, or null
 * @param eui64 EUI-64 as 16 lower-case hex digits, or null
 * @param uuid namespace UUID, or null
 * @param csi Command Set Identifier (0 = NVM)
 * @since 1.0
 */
public record NamespaceIdentifiers(String nguid, String eui64, UUID uuid, int csi) {
  // Declared before NONE: the constructor reads it while NONE is initialised.
  private static final UUID NIL = new UUID(0, 0);

  /** No identifiers reported, NVM command set. */
  public static final NamespaceIdentifiers NONE = new NamespaceIdentifiers(null, null, null, 0);

  public NamespaceIdentifiers {
    nguid = normalise(nguid, 32, "nguid");
    eui64 = normalise(eui64, 16, "eui64");
    uuid = NIL.equals(uuid) ? null : uuid;
  }

  /**
   * Identifiers from the raw Identify fields, in the byte order the device reports them; a null
   * or all-zero array means not reported.
   */
  public static NamespaceIdentifiers fromBytes(byte[] nguid, byte[] eui64, byte[] uuid, int csi) {
    UUID u = null;
    if (uuid != null) {
      if (uuid.length != 16) {
        throw new IllegalArgumentException("uuid length=" + uuid.length + " expected=16");
      }
      u = new UUID(bigEndian(uuid, 0), bigEndian(uuid, 8));
    }
    return new NamespaceIdentifiers(hex(nguid), hex(eui64), u, csi);
  }

  /** Whether no identifier is reported. */
  public boolean isEmpty() {
    return nguid == null && eui64 == null && uuid == null;
  }

  /**
   * Whether any identifier reported by both is equal; two namespaces in one subsystem that share
   * one are the same namespace or a misbehaving device.
   */
  public boolean sharesAnyWith(NamespaceIdentifiers other) {
    return (uuid != null && uuid.equals(other.uuid))
        || (nguid != null && nguid.equals(other.nguid))
        || (eui64 != null && eui64.equals(other.eui64));
  }

  private static String normalise(String hex, int digits, String what) {
    if (hex == null) {
      return null;
    }
    String h = hex.replace("-", "").toLowerCase(Locale.ROOT);
    if (h.length() != digits || !h.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new IllegalArgumentException(what + "=" + hex + " is not " + digits + " hex digits");
    }
    return h.chars().allMatch(c -> c == '0') ? null : h;
  }

  private static String hex(byte[] b) {
    return b == null ? null : HexFormat.of().formatHex(b);
  }

  private static long bigEndian(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }
}
