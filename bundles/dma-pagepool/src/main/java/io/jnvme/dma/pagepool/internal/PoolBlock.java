package io.jnvme.dma.pagepool.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PoolAllocation;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One allocation of a page pool as a {@link MemoryBlock}: a slice of the pool's shared mapping.
 * Its device addresses are the pool's base plus its file offset, the same in every process that
 * opens the file, so they stay valid across the driver's replacement and a JVM restart.
 *
 * <p>Persistent: dropping the block (or its client) does not free it. Only {@link #close()} does,
 * and only while this object still holds the allocation: once a newer client re-attached it, or
 * the pool was closed, closing this object leaves the allocation alone.
 */
final class PoolBlock implements MemoryBlock {
  private final PoolFile pool;
  private final PoolFile.Slot slot;
  private final PoolClient client;
  private final ByteBuffer buffer;
  private final PoolAllocation allocation;
  private final AtomicBoolean closed = new AtomicBoolean();

  PoolBlock(PoolFile pool, PoolFile.Slot slot, PoolClient client, ByteBuffer buffer,
      PoolAllocation allocation) {
    this.pool = pool;
    this.slot = slot;
    this.client = client;
    this.buffer = buffer;
    this.allocation = allocation;
  }

  /**
   * The CPU view.
   *
   * @throws IllegalStateException once the block is closed
   */
  @Override
  public ByteBuffer buffer() {
    if (closed.get()) {
      throw new IllegalStateException("pagepool block closed: " + this);
    }
    return buffer;
  }

  @Override
  public long size() {
    return allocation.size();
  }

  @Override
  public long deviceAddress(int page) {
    if (page < 0 || page >= pageCount()) {
      throw new IndexOutOfBoundsException("page=" + page + " pages=" + pageCount());
    }
    return allocation.deviceAddress() + ((long) page << PAGE_SHIFT);
  }

  @Override
  public boolean contiguous() {
    return true;
  }

  @Override
  public boolean persistent() {
    return true;
  }

  @Override
  public String tag() {
    return allocation.tag();
  }

  @Override
  public String allocatorName() {
    return PagePool.NAME;
  }

  /**
   * Frees the allocation, once. The memory stays mapped for whoever still holds the buffer, but
   * the pages may be handed to another block.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      pool.release(this);
    }
  }

  /** The allocation as the pool file records it. */
  PoolAllocation allocation() {
    return allocation;
  }

  PoolFile.Slot slot() {
    return slot;
  }

  PoolClient client() {
    return client;
  }

  @Override
  public String toString() {
    return "PoolBlock[id=" + allocation.id() + " device=" + allocation.deviceId() + " tag="
        + allocation.tag() + " size=" + allocation.size() + " deviceAddress=0x"
        + Long.toHexString(allocation.deviceAddress()) + (closed.get() ? " closed" : "") + "]";
  }
}
