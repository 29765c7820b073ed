package io.jnvme.transport.vfio.internal;

import io.jnvme.device.RegisterIo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A BAR as a {@link RegisterIo}: loads and stores on the parts VFIO lets us mmap, {@code pread} and
 * {@code pwrite} on the device fd for the rest (a BAR whose MSI-X table page the kernel keeps for
 * itself). NVMe's registers and doorbells live in the mmapped part on every kernel that reports
 * the MSI-X table as mappable, so the system calls are a fallback, not the I/O path.
 *
 * <p>Ordering, as {@link RegisterIo} promises: every register read is an acquire load and every
 * write a release store of a single aligned 32-bit access. A release store keeps every earlier
 * memory write (queue entries) before the doorbell and an acquire load keeps later reads (of
 * completion entries) after it. On x86-64 the BAR is uncached memory, which the CPU neither
 * reorders nor combines, and the JIT may not reorder across acquire/release either. On aarch64 the
 * kernel maps it as Device-nGnRE memory and the release store is {@code stlr}, which orders earlier
 * writes before it as Linux's {@code writel} does with its barrier; this is reasoned, not yet run
 * on aarch64 hardware.
 *
 * <p>64-bit registers (CAP, ASQ, ACQ) are accessed as two 32-bit halves, low first, as Linux does
 * ({@code lo_hi_readq}): not every controller takes 64-bit MMIO.
 *
 * <p>After {@link #retire()}, the mapped parts read as all ones (a device that is gone) and writes
 * to them are lost; the slow path reports all ones too.
 */
final class VfioBar implements RegisterIo {
  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** A mmapped part of the BAR: bytes {@code [start, start + buffer.capacity())}. */
  record Window(long start, ByteBuffer buffer, long address) {
    long end() {
      return start + buffer.capacity();
    }
  }

  /** Access to the parts that are not mmapped. */
  interface SlowPath {
    /** Reads 4 bytes at {@code offset} of the BAR; all ones if the device is closed. */
    int read32(long offset);

    /** Writes 4 bytes at {@code offset} of the BAR; dropped if the device is closed. */
    void write32(long offset, int value);
  }

  private final int index;
  private final long length;
  private final Window[] windows;
  /** The window when it covers the whole BAR (the usual case), else null. */
  private final ByteBuffer whole;
  private final SlowPath slow;
  private volatile boolean retired;

  VfioBar(int index, long length, List<Window> windows, SlowPath slow) {
    this.index = index;
    this.length = length;
    this.windows = windows.toArray(new Window[0]);
    this.slow = slow;
    this.whole = this.windows.length == 1 && this.windows[0].start() == 0
        && this.windows[0].end() >= length ? this.windows[0].buffer() : null;
  }

  int index() {
    return index;
  }

  List<Window> windows() {
    return List.of(windows);
  }

  @Override
  public long length() {
    return length;
  }

  @Override
  public int read32(long offset) {
    check(offset, 4);
    ByteBuffer w = whole;
    if (w != null) {
      // SAFETY: offset is checked against the BAR length, which the window covers; the mapping
      // is never unmapped while this object lives, only retired (replaced by all-ones memory).
      return (int) INT.getAcquire(w, (int) offset);
    }
    for (Window win : windows) {
      if (offset >= win.start() && offset + 4 <= win.end()) {
        return (int) INT.getAcquire(win.buffer(), (int) (offset - win.start()));
      }
    }
    return retired ? -1 : slow.read32(offset);
  }

  @Override
  public long read64(long offset) {
    check(offset, 8);
    long lo = read32(offset) & 0xFFFF_FFFFL;
    long hi = read32(offset + 4) & 0xFFFF_FFFFL;
    return (hi << 32) | lo;
  }

  @Override
  public void write32(long offset, int value) {
    check(offset, 4);
    ByteBuffer w = whole;
    if (w != null) {
      INT.setRelease(w, (int) offset, value);
      return;
    }
    for (Window win : windows) {
      if (offset >= win.start() && offset + 4 <= win.end()) {
        INT.setRelease(win.buffer(), (int) (offset - win.start()), value);
        return;
      }
    }
    if (!retired) {
      // A system call orders everything before it; the fence states the intent.
      VarHandle.releaseFence();
      slow.write32(offset, value);
    }
  }

  @Override
  public void write64(long offset, long value) {
    check(offset, 8);
    write32(offset, (int) value);
    write32(offset + 4, (int) (value >>> 32));
  }

  /** From now on the slow path is not used: the device fd is about to close. */
  void retire() {
    retired = true;
  }

  private void check(long offset, int size) {
    if (offset < 0 || offset > length - size || (offset & 3) != 0) {
      throw new IllegalArgumentException("BAR" + index + " offset=0x" + Long.toHexString(offset)
          + " size=" + size + ": outside the " + length + "-byte BAR or not 4-byte aligned");
    }
  }

  @Override
  public String toString() {
    return "VfioBar[" + index + " length=" + length + " windows=" + windows.length
        + (retired ? " retired" : "") + "]";
  }
}
