package io.jnvme.spec;

import java.nio.ByteBuffer;

/**
 * Supported Log Pages log page, LID 00h, 1024 bytes (Base spec 2.0, §5.16.1.1): one dword per
 * log page identifier, bit 0 (LSUPP) set if the page is supported.
 */
public final class SupportedLogPages extends Flyweight {
  public static final int SIZE = 1024;
  /** LID Supported (bit 0 of an entry). */
  public static final int LSUPP = 1;
  /** Index Offset Supported (bit 1 of an entry). */
  public static final int IOS = 1 << 1;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public SupportedLogPages wrap(ByteBuffer buffer, int offset) {
    super.wrap(buffer, offset);
    return this;
  }

  /** The entry (LIDS dword) of log page {@code lid}. */
  public int entry(int lid) {
    return i32(4 * check(lid));
  }

  public SupportedLogPages entry(int lid, int v) {
    put32(4 * check(lid), v);
    return this;
  }

  /** True if log page {@code lid} is supported. */
  public boolean supported(int lid) {
    return (entry(lid) & LSUPP) != 0;
  }

  private static int check(int lid) {
    if (lid < 0 || lid > 255) {
      throw new IndexOutOfBoundsException("lid=" + lid);
    }
    return lid;
  }
}
