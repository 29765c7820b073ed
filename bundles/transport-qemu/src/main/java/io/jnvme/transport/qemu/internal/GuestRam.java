package io.jnvme.transport.qemu.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The guest's RAM by guest-physical address: a shared mapping of the file behind QEMU's
 * {@code memory-backend-file,share=on}. On q35 with less than 2.75 GiB of RAM, guest-physical
 * address equals file offset, so the device's view (DMA) and this view are the same bytes.
 *
 * <p>The transport reads submission and completion queue entries through it (for the ring
 * journal) and proves at attach time, with a nonce, that the file really is this QEMU's RAM. DMA
 * buffers are not reached through it but through the page pool's blocks over the same file.
 */
final class GuestRam implements AutoCloseable {
  /** q35 keeps RAM linear below 2.75 GiB; 1 GiB also fits one mapping (a buffer holds 2^31 - 1). */
  static final long MAX_SIZE = 1L << 30;
  /** The legacy VGA and BIOS windows: not RAM for DMA on a PC. */
  static final long LEGACY_HOLE_START = 0xA_0000L;
  static final long LEGACY_HOLE_END = 0x10_0000L;
  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final Path file;
  private final long size;
  private final MappedByteBuffer map;

  private GuestRam(Path file, long size, MappedByteBuffer map) {
    this.file = file;
    this.size = size;
    this.map = map;
  }

  /**
   * Maps {@code file}, which must be at least {@code size} bytes (QEMU sizes a new file only once
   * its memory backend is initialised: map after the first qtest answer).
   */
  static GuestRam map(Path file, long size) throws IOException {
    if (size <= 0 || size > MAX_SIZE || size % 4096 != 0) {
      throw new IOException("guest RAM size " + size + " must be a multiple of 4096 up to "
          + MAX_SIZE);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      long have = ch.size();
      if (have < size) {
        throw new IOException("guest RAM file " + file + " has " + have + " bytes, fewer than"
            + " the RAM size " + size + " (not this QEMU's RAM, or not initialised yet)");
      }
      MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
      m.order(ByteOrder.LITTLE_ENDIAN);
      return new GuestRam(file, size, m);
    }
  }

  Path file() {
    return file;
  }

  long size() {
    return size;
  }

  /** True if {@code [gpa, gpa + length)} is RAM this mapping covers. */
  boolean contains(long gpa, long length) {
    return gpa >= 0 && length >= 0 && gpa <= size - length;
  }

  private int index(long gpa, int length) {
    if (!contains(gpa, length)) {
      throw new IndexOutOfBoundsException("guest address 0x" + Long.toHexString(gpa) + "+"
          + length + " outside RAM of " + size + " bytes");
    }
    return (int) gpa;
  }

  int getInt(long gpa) {
    return map.getInt(index(gpa, 4));
  }

  /** Reads with acquire semantics (a completion entry's status dword). */
  int getIntAcquire(long gpa) {
    return (int) INT.getAcquire(map, index(gpa, 4));
  }

  long getLong(long gpa) {
    return map.getLong(index(gpa, 8));
  }

  long getLongVolatile(long gpa) {
    return (long) LONG.getVolatile(map, index(gpa, 8));
  }

  void putLongVolatile(long gpa, long v) {
    LONG.setVolatile(map, index(gpa, 8), v);
  }

  int getShort(long gpa) {
    return map.getShort(index(gpa, 2)) & 0xFFFF;
  }

  int getByte(long gpa) {
    return map.get(index(gpa, 1)) & 0xFF;
  }

  @Override
  public void close() {
    // A MappedByteBuffer is unmapped when it becomes unreachable; nothing to do here.
  }
}
