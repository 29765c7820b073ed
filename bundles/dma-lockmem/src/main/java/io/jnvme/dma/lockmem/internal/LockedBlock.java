package io.jnvme.dma.lockmem.internal;

import io.jnvme.device.MemoryBlock;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One locked anonymous mapping. Its device address is its virtual address (identity IOVA): VFIO
 * maps these pages 1:1 into the IOMMU, and the emulated transport, which lives in this process,
 * resolves them through {@link io.jnvme.device.Device#mapDma}.
 */
final class LockedBlock implements MemoryBlock {
  private static final Logger LOG = LoggerFactory.getLogger(LockedBlock.class);

  private final ByteBuffer buffer;
  private final long address;
  private final long size;
  private final String tag;
  private final Release release;
  private final Cleaner.Cleanable cleanable;

  /**
   * @param root the buffer over the mapping as {@link NativeMemory#view} made it; the release
   *     action is tied to it, see {@link Release}
   */
  LockedBlock(ByteBuffer root, long address, long size, String tag, Release release,
      Cleaner cleaner) {
    this.buffer = MemoryBlock.littleEndian(root);
    this.address = address;
    this.size = size;
    this.tag = tag;
    this.release = release;
    // SAFETY: the cleaner watches the root buffer, not this block. Every buffer derived from it
    // (this.buffer, slices, duplicates, views) keeps the root reachable through its attachment,
    // so the mapping is never unmapped behind a buffer somebody still holds.
    this.cleanable = cleaner.register(root, release);
  }

  /**
   * The CPU view.
   *
   * @throws IllegalStateException once the block is closed, so that accessors called through the
   *     block fail cleanly instead of touching unmapped memory
   */
  @Override
  public ByteBuffer buffer() {
    if (release.done.get()) {
      throw new IllegalStateException("lockmem block closed: " + this);
    }
    return buffer;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public long deviceAddress(int page) {
    if (page < 0 || page >= pageCount()) {
      throw new IndexOutOfBoundsException("page=" + page + " pages=" + pageCount());
    }
    // Identity IOVA: the device address of a page is its virtual address.
    return address + ((long) page << PAGE_SHIFT);
  }

  @Override
  public boolean contiguous() {
    return true;
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public String tag() {
    return tag;
  }

  @Override
  public String allocatorName() {
    return LockedMemoryProvider.NAME;
  }

  /**
   * Unlocks and unmaps the memory, once. Later calls, from any thread, do nothing.
   *
   * <p>SAFETY: after close, {@link #buffer()} throws, but a {@link ByteBuffer} obtained before
   * close still points at the unmapped range and must not be used; the {@link MemoryBlock}
   * contract makes that the caller's duty ("the caller must know the device no longer uses it").
   */
  @Override
  public void close() {
    release.explicit = true;
    cleanable.clean();
  }

  /** True once the memory has been given back. */
  boolean closed() {
    return release.done.get();
  }

  @Override
  public String toString() {
    return "LockedBlock[tag=" + tag + " size=" + size + " address=0x" + Long.toHexString(address)
        + (release.done.get() ? " closed" : "") + "]";
  }

  /**
   * Gives a mapping back: munlock, then munmap, at most once (guarded here as well as by the
   * {@link Cleaner.Cleanable}). Holds no reference to the block or its buffers, or the cleaner
   * could never run. Runs either from {@link LockedBlock#close()} or, for a block that was dropped
   * without close, from the cleaner thread, with a warning.
   */
  static final class Release implements Runnable {
    private final NativeMemory nativeMemory;
    private final long address;
    private final long size;
    private final String tag;
    private final AtomicLong lockedBytes;
    final AtomicBoolean done = new AtomicBoolean();
    volatile boolean explicit;

    Release(NativeMemory nativeMemory, long address, long size, String tag,
        AtomicLong lockedBytes) {
      this.nativeMemory = nativeMemory;
      this.address = address;
      this.size = size;
      this.tag = tag;
      this.lockedBytes = lockedBytes;
    }

    @Override
    public void run() {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      if (!explicit) {
        LOG.warn("lockmem block tag={} size={} was garbage collected without close; freeing it",
            tag, size);
      }
      try {
        nativeMemory.munlock(address, size);
      } catch (NativeCallException e) {
        // munmap drops the lock as well; nothing is lost by going on.
        LOG.warn("lockmem tag={} size={}: {}", tag, size, e.getMessage());
      }
      lockedBytes.addAndGet(-size);
      try {
        nativeMemory.munmap(address, size);
      } catch (NativeCallException e) {
        LOG.error("lockmem tag={} size={} address=0x{}: {}; the mapping leaks", tag, size,
            Long.toHexString(address), e.getMessage());
      }
    }
  }
}
