package io.jnvme.spec;

import java.nio.ByteBuffer;

/**
 * Namespace Identification Descriptor list, Identify CNS 03h, 4096 bytes (Base spec 2.0,
 * §5.17.2.3, Figure 277): variable-length descriptors one after the other, each a 4-byte header
 * (NIDT, NIDL, two reserved bytes) followed by NIDL bytes of identifier. A descriptor with NIDL 0
 * ends the list. A controller reports each identifier type at most once.
 */
public final class NamespaceIdDescriptorList extends Flyweight {
  public static final int SIZE = 4096;
  /** Namespace Identifier Type, relative to the start of a descriptor. */
  public static final int NIDT_OFFSET = 0;
  /** Namespace Identifier Length, relative to the start of a descriptor. */
  public static final int NIDL_OFFSET = 1;
  /** Namespace Identifier, relative to the start of a descriptor. */
  public static final int NID_OFFSET = 4;
  /** Size of a descriptor header. */
  public static final int HEADER_SIZE = 4;

  /** NIDT 1h: IEEE Extended Unique Identifier, a copy of Identify Namespace EUI64. */
  public static final int NIDT_EUI64 = 1;
  /** NIDT 2h: Namespace Globally Unique Identifier, a copy of Identify Namespace NGUID. */
  public static final int NIDT_NGUID = 2;
  /** NIDT 3h: Namespace UUID (RFC 4122). */
  public static final int NIDT_UUID = 3;
  /** NIDT 4h: Command Set Identifier of the namespace (00h = NVM). */
  public static final int NIDT_CSI = 4;

  /** NIDL of an EUI-64 descriptor. */
  public static final int EUI64_LENGTH = 8;
  /** NIDL of an NGUID descriptor. */
  public static final int NGUID_LENGTH = 16;
  /** NIDL of a UUID descriptor. */
  public static final int UUID_LENGTH = 16;
  /** NIDL of a CSI descriptor. */
  public static final int CSI_LENGTH = 1;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public NamespaceIdDescriptorList wrap(ByteBuffer buffer, int offset) {
    super.wrap(buffer, offset);
    return this;
  }

  /** The NIDT of the descriptor starting at byte {@code at} of the list. */
  public int nidt(int at) {
    return u8(at + NIDT_OFFSET);
  }

  /** The NIDL of the descriptor starting at byte {@code at}; 0 ends the list. */
  public int nidl(int at) {
    return u8(at + NIDL_OFFSET);
  }

  /**
   * Writes a descriptor at byte {@code at}.
   *
   * @return the offset of the next descriptor
   * @throws IndexOutOfBoundsException if the descriptor does not fit in the list
   */
  public int put(int at, int nidt, byte[] nid) {
    int next = at + HEADER_SIZE + nid.length;
    if (at < 0 || nid.length == 0 || nid.length > 255 || next > SIZE) {
      throw new IndexOutOfBoundsException("descriptor at=" + at + " nidl=" + nid.length);
    }
    put8(at + NIDT_OFFSET, nidt);
    put8(at + NIDL_OFFSET, nid.length);
    put16(at + 2, 0);
    putBytes(at + NID_OFFSET, nid, nid.length);
    return next;
  }

  /** The identifier of the first descriptor of type {@code nidt}, or null if there is none. */
  public byte[] find(int nidt) {
    int at = 0;
    while (at + HEADER_SIZE <= SIZE) {
      int len = nidl(at);
      if (len == 0 || at + HEADER_SIZE + len > SIZE) {
        return null;
      }
      if (nidt(at) == nidt) {
        return bytes(at + NID_OFFSET, len);
      }
      at += HEADER_SIZE + len;
    }
    return null;
  }
}
