package io.jnvme.spec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Base of the structure views: a little-endian window of {@link #size()} bytes at an offset in a
 * buffer. Re-pointing a view with {@link #wrap} allocates nothing, which is what lets the I/O path
 * reuse one view per queue slot.
 */
public abstract class Flyweight {
  private ByteBuffer buffer;
  private int offset;

  /** Creates a view that must be {@link #wrap wrapped} before use. */
  protected Flyweight() {}

  /**
   * Points this view at {@code size()} bytes starting at {@code offset} of {@code buffer}.
   *
   * @param buffer the backing buffer; its byte order is ignored, fields are little endian. A buffer
   *     not in little-endian order is duplicated on every wrap, so the I/O path should pass
   *     little-endian buffers to keep wrap allocation free
   * @param offset byte offset of the structure in the buffer
   * @return this view
   * @throws IndexOutOfBoundsException if the structure does not fit in the buffer
   */
  public Flyweight wrap(ByteBuffer buffer, int offset) {
    if (offset < 0 || offset > buffer.capacity() - size()) {
      throw new IndexOutOfBoundsException(
          "structure=" + getClass().getSimpleName() + " offset=" + offset + " size=" + size()
              + " capacity=" + buffer.capacity());
    }
    this.buffer = buffer.order() == ByteOrder.LITTLE_ENDIAN ? buffer : buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    this.offset = offset;
    return this;
  }

  /** The structure's size in bytes, as the specification defines it. */
  public abstract int size();

  /** The backing buffer (little endian). */
  public ByteBuffer buffer() {
    return buffer;
  }

  /** Byte offset of this structure in {@link #buffer()}. */
  public int offset() {
    return offset;
  }

  /** Sets every byte of the structure to zero. */
  public void clear() {
    int i = 0;
    int n = size();
    for (; i + 8 <= n; i += 8) {
      buffer.putLong(offset + i, 0L);
    }
    for (; i < n; i++) {
      buffer.put(offset + i, (byte) 0);
    }
  }

  protected final int u8(int at) {
    return buffer.get(offset + at) & 0xFF;
  }

  protected final int u16(int at) {
    return buffer.getShort(offset + at) & 0xFFFF;
  }

  protected final int i32(int at) {
    return buffer.getInt(offset + at);
  }

  protected final long u32(int at) {
    return buffer.getInt(offset + at) & 0xFFFF_FFFFL;
  }

  protected final long i64(int at) {
    return buffer.getLong(offset + at);
  }

  protected final void put8(int at, int v) {
    buffer.put(offset + at, (byte) v);
  }

  protected final void put16(int at, int v) {
    buffer.putShort(offset + at, (short) v);
  }

  protected final void put32(int at, int v) {
    buffer.putInt(offset + at, v);
  }

  protected final void put64(int at, long v) {
    buffer.putLong(offset + at, v);
  }

  /** Copies {@code len} bytes of the structure starting at field offset {@code at}. */
  protected final byte[] bytes(int at, int len) {
    byte[] b = new byte[len];
    buffer.get(offset + at, b);
    return b;
  }

  protected final void putBytes(int at, byte[] src, int len) {
    for (int i = 0; i < len; i++) {
      buffer.put(offset + at + i, i < src.length ? src[i] : 0);
    }
  }

  /** An ASCII field, space padded as the specification requires, with the padding trimmed. */
  protected final String ascii(int at, int len) {
    return new String(bytes(at, len), StandardCharsets.US_ASCII).trim();
  }

  /** Writes an ASCII field, padded with spaces (0x20) to {@code len} bytes. */
  protected final void putAscii(int at, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < len; i++) {
      buffer.put(offset + at + i, i < b.length ? b[i] : (byte) ' ');
    }
  }
}
