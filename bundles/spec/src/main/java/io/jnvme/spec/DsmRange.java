package io.jnvme.spec;

import java.nio.ByteBuffer;

/**
 * Dataset Management Range, 16 bytes (NVM Command Set spec 1.0, §3.2.3, Figure 39). A Dataset
 * Management command carries up to {@link #MAX_RANGES} of them in one data buffer.
 */
public final class DsmRange extends Flyweight {
  public static final int SIZE = 16;
  /** Number of ranges one command can carry: CDW10.NR is zero based and 8 bits wide. */
  public static final int MAX_RANGES = 256;
  public static final int CONTEXT_ATTRIBUTES_OFFSET = 0;
  public static final int LENGTH_OFFSET = 4;
  public static final int SLBA_OFFSET = 8;
  /** CDW11 bit 2: Attribute - Deallocate. */
  public static final int CDW11_AD = 1 << 2;
  /** CDW11 bit 1: Attribute - Integral Dataset for Write. */
  public static final int CDW11_IDW = 1 << 1;
  /** CDW11 bit 0: Attribute - Integral Dataset for Read. */
  public static final int CDW11_IDR = 1;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public DsmRange wrap(ByteBuffer buffer, int offset) {
    super.wrap(buffer, offset);
    return this;
  }

  public int contextAttributes() {
    return i32(CONTEXT_ATTRIBUTES_OFFSET);
  }

  public DsmRange contextAttributes(int v) {
    put32(CONTEXT_ATTRIBUTES_OFFSET, v);
    return this;
  }

  /** Length in logical blocks (not zero based). */
  public long length() {
    return u32(LENGTH_OFFSET);
  }

  public DsmRange length(long v) {
    put32(LENGTH_OFFSET, (int) v);
    return this;
  }

  /** Starting LBA. */
  public long slba() {
    return i64(SLBA_OFFSET);
  }

  public DsmRange slba(long v) {
    put64(SLBA_OFFSET, v);
    return this;
  }
}
