package io.jnvme.spec;

import java.nio.ByteBuffer;

/**
 * Active Namespace ID list, Identify CNS 02h, 4096 bytes (Base spec 2.0, §5.17.2.2): up to 1024
 * active NSIDs greater than the NSID of the command, in increasing order, zero terminated.
 */
public final class ActiveNamespaceList extends Flyweight {
  public static final int SIZE = 4096;
  /** Entries in the list. */
  public static final int ENTRIES = 1024;
  /** Size of one entry (an NSID) in bytes. */
  public static final int ENTRY_SIZE = 4;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public ActiveNamespaceList wrap(ByteBuffer buffer, int offset) {
    super.wrap(buffer, offset);
    return this;
  }

  /** Entry {@code i} (0..1023); 0 past the end of the list. */
  public int entry(int i) {
    return i32(check(i) * ENTRY_SIZE);
  }

  public ActiveNamespaceList entry(int i, int nsid) {
    put32(check(i) * ENTRY_SIZE, nsid);
    return this;
  }

  /** Number of entries before the first zero. */
  public int count() {
    int n = 0;
    while (n < ENTRIES && entry(n) != 0) {
      n++;
    }
    return n;
  }

  private static int check(int i) {
    if (i < 0 || i >= ENTRIES) {
      throw new IndexOutOfBoundsException("entry=" + i);
    }
    return i;
  }
}
