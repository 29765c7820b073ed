package io.jnvme.transport.emulated.internal;

import io.jnvme.transport.emulated.EmulatedNamespace;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.UUID;

/**
 * A namespace attached to the controller, with the identifiers it reports. The identifiers are a
 * function of the controller name and the NSID only, so they stay the same across restarts and a
 * namespace removed and added back is recognisable.
 */
final class ActiveNamespace {
  final int nsid;
  final EmulatedNamespace ns;
  final byte[] nguid;
  final byte[] eui64;
  final byte[] uuid;
  final Stats stats = new Stats();

  ActiveNamespace(String controller, int nsid, EmulatedNamespace ns) {
    this.nsid = nsid;
    this.ns = ns;
    String seed = "jnvme-emulated/" + controller + "/" + Integer.toUnsignedString(nsid);
    byte[] h = sha256(seed.getBytes(StandardCharsets.UTF_8));
    nguid = Arrays.copyOfRange(h, 0, 16);
    eui64 = Arrays.copyOfRange(h, 16, 24);
    // No IEEE OUI is registered for the project: mark the EUI-64 as locally administered (bit 1 of
    // the first octet) and not a group address (bit 0).
    eui64[0] = (byte) ((eui64[0] & 0xFC) | 0x02);
    UUID u = UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8));
    uuid = new byte[16];
    for (int i = 0; i < 8; i++) {
      uuid[i] = (byte) (u.getMostSignificantBits() >>> (56 - 8 * i));
      uuid[8 + i] = (byte) (u.getLeastSignificantBits() >>> (56 - 8 * i));
    }
  }

  private static byte[] sha256(byte[] in) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(in);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
