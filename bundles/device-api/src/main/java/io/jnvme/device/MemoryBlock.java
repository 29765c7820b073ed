package io.jnvme.device;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.lang.invoke.VarHandle;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A block of DMA memory: a CPU view and the device address of each 4 KiB page. This interface is
 * the one buffer abstraction of the project: every access to memory the device also reads or
 * writes goes through its methods, and every memory-ordering decision is made in them.
 *
 * <p>Plain accessors ({@link #getInt}, {@link #putLong}, ...) have no ordering. The ordered ones say
 * which side they order: {@link #getIntAcquire} for the completion phase word (nothing after it
 * may be read before it), {@link #putIntRelease} and {@link #releaseFence} before telling a device
 * to look at memory (everything written before becomes visible first).
 */
@ProviderType
public interface MemoryBlock extends AutoCloseable {
  /** The page size of device addresses: NVMe memory page size with CC.MPS = 0. */
  int PAGE_SIZE = 4096;
  /** log2 of {@link #PAGE_SIZE}. */
  int PAGE_SHIFT = 12;

  /**
   * The CPU view: a little-endian direct buffer over the whole block, position 0, limit
   * {@link #size()}. Use absolute accessors only; the buffer is shared.
   */
  ByteBuffer buffer();

  /** Size in bytes, a multiple of {@link #PAGE_SIZE}. */
  long size();

  /** The device (bus) address of page {@code page}, page aligned. */
  long deviceAddress(int page);

  /** Whether this block survives servicing (the driver's replacement). */
  boolean persistent();

  /** What the block was allocated for. */
  String tag();

  /** The allocator that owns the block. */
  String allocatorName();

  /**
   * Returns the memory to its allocator. The caller must know the device no longer uses it.
   * Closing twice has no effect.
   */
  @Override
  void close();

  /** Number of pages. */
  default int pageCount() {
    return (int) (size() >>> PAGE_SHIFT);
  }

  /** Device address of the byte at {@code offset}. */
  default long deviceAddressOf(long offset) {
    return deviceAddress((int) (offset >>> PAGE_SHIFT)) + (offset & (PAGE_SIZE - 1));
  }

  /** True if the pages have consecutive device addresses. */
  default boolean contiguous() {
    long first = deviceAddress(0);
    for (int p = 1; p < pageCount(); p++) {
      if (deviceAddress(p) != first + ((long) p << PAGE_SHIFT)) {
        return false;
      }
    }
    return true;
  }

  default byte getByte(long offset) {
    return buffer().get(Math.toIntExact(offset));
  }

  default void putByte(long offset, byte v) {
    buffer().put(Math.toIntExact(offset), v);
  }

  default int getInt(long offset) {
    return buffer().getInt(Math.toIntExact(offset));
  }

  default void putInt(long offset, int v) {
    buffer().putInt(Math.toIntExact(offset), v);
  }

  default long getLong(long offset) {
    return buffer().getLong(Math.toIntExact(offset));
  }

  default void putLong(long offset, long v) {
    buffer().putLong(Math.toIntExact(offset), v);
  }

  /**
   * Reads a 4-byte aligned int with acquire semantics: no later read of this thread is satisfied
   * before it. Used for the completion queue entry's status dword, which the device writes last.
   */
  default int getIntAcquire(long offset) {
    return (int) DmaOrdering.INT.getAcquire(buffer(), Math.toIntExact(offset));
  }

  /**
   * Writes a 4-byte aligned int with release semantics: every earlier write of this thread is
   * visible before it.
   */
  default void putIntRelease(long offset, int v) {
    DmaOrdering.INT.setRelease(buffer(), Math.toIntExact(offset), v);
  }

  /** Reads a 4-byte aligned int with volatile semantics (the emulated device's view of rings). */
  default int getIntVolatile(long offset) {
    return (int) DmaOrdering.INT.getVolatile(buffer(), Math.toIntExact(offset));
  }

  /** Writes a 4-byte aligned int with volatile semantics. */
  default void putIntVolatile(long offset, int v) {
    DmaOrdering.INT.setVolatile(buffer(), Math.toIntExact(offset), v);
  }

  /** Copies {@code src}'s remaining bytes to {@code offset}; {@code src}'s position advances. */
  default void copyFrom(ByteBuffer src, long offset) {
    buffer().put(Math.toIntExact(offset), src, src.position(), src.remaining());
    src.position(src.limit());
  }

  /** Copies bytes at {@code offset} into {@code dst}'s remaining space; its position advances. */
  default void copyTo(long offset, ByteBuffer dst) {
    int n = dst.remaining();
    dst.put(dst.position(), buffer(), Math.toIntExact(offset), n);
    dst.position(dst.position() + n);
  }

  /** Sets {@code length} bytes at {@code offset} to zero. */
  default void zero(long offset, long length) {
    ByteBuffer b = buffer();
    int o = Math.toIntExact(offset);
    int end = Math.toIntExact(offset + length);
    for (; o + 8 <= end; o += 8) {
      b.putLong(o, 0L);
    }
    for (; o < end; o++) {
      b.put(o, (byte) 0);
    }
  }

  /**
   * A release fence: every write before it becomes visible before any write after it. The driver
   * calls it before writing a doorbell, so the device never sees a doorbell before the entries it
   * announces.
   */
  static void releaseFence() {
    VarHandle.releaseFence();
  }

  /** An acquire fence: no read after it is satisfied before a read before it. */
  static void acquireFence() {
    VarHandle.acquireFence();
  }

  /** A full fence. */
  static void fullFence() {
    VarHandle.fullFence();
  }

  /** Wraps a direct buffer as little endian with position 0 (for allocator implementations). */
  static ByteBuffer littleEndian(ByteBuffer b) {
    return b.duplicate().clear().order(ByteOrder.LITTLE_ENDIAN);
  }
}
