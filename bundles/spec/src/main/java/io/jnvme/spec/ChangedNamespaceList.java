package io.jnvme.spec;

import java.nio.ByteBuffer;

/**
 * Changed Namespace List log page, LID 04h, 4096 bytes (Base spec 2.0, §5.16.1.5): up to 1024
 * NSIDs in increasing order, zero terminated. When more than 1024 changed, entry 0 is
 * {@link #OVERFLOW} and the rest are zero: the host must rescan every namespace.
 */
public final class ChangedNamespaceList extends Flyweight {
  public static final int SIZE = 4096;
  /** Entries in the list. */
  public static final int ENTRIES = 1024;
  /** Entry 0 value that means "more than 1024 namespaces changed". */
  public static final int OVERFLOW = 0xFFFF_FFFF;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public ChangedNamespaceList wrap(ByteBuffer buffer, int offset) {
    super.wrap(buffer, offset);
    return this;
  }

  /** Entry {@code i} (0..1023), 0 past the end of the list. */
  public int entry(int i) {
    if (i < 0 || i >= ENTRIES) {
      throw new IndexOutOfBoundsException("entry=" + i);
    }
    return i32(4 * i);
  }

  public ChangedNamespaceList entry(int i, int nsid) {
    if (i < 0 || i >= ENTRIES) {
      throw new IndexOutOfBoundsException("entry=" + i);
    }
    put32(4 * i, nsid);
    return this;
  }

  /** True if the list overflowed. */
  public boolean overflow() {
    return entry(0) == OVERFLOW;
  }
}
