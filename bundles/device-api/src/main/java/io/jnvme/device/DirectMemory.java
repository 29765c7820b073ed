package io.jnvme.device;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * DMA memory from plain direct buffers, neither locked nor persistent, with synthetic device
 * addresses. Only a device that lives in this process (the emulated transport) can use it: it
 * resolves the addresses through {@link Device#mapDma}. Used by unit tests and by the JPMS mode
 * when no native allocator is present.
 */
public final class DirectMemory implements DmaClientProvider {
  /** The allocator name. */
  public static final String NAME = "direct";

  /**
   * Synthetic device addresses start high so that they never look like small offsets, and every
   * block is followed by an unmapped guard page, so a device overrun hits nothing.
   */
  private static final AtomicLong NEXT_ADDRESS = new AtomicLong(0x10_0000_0000L);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public DmaClient clientFor(String deviceId) {
    return new DmaClient() {
      @Override
      public String allocatorName() {
        return NAME;
      }

      @Override
      public boolean persistent() {
        return false;
      }

      @Override
      public MemoryBlock allocate(long size, String tag) throws DmaException {
        if (size <= 0 || size > Integer.MAX_VALUE - MemoryBlock.PAGE_SIZE) {
          throw new DmaException("allocator=" + NAME + " size=" + size + ": size out of range");
        }
        long rounded = (size + MemoryBlock.PAGE_SIZE - 1) & ~(long) (MemoryBlock.PAGE_SIZE - 1);
        ByteBuffer b;
        try {
          b = ByteBuffer.allocateDirect((int) rounded);
        } catch (OutOfMemoryError e) {
          throw new DmaException("allocator=" + NAME + " size=" + rounded
              + ": out of direct memory (-XX:MaxDirectMemorySize)", e);
        }
        long base = NEXT_ADDRESS.getAndAdd(rounded + MemoryBlock.PAGE_SIZE);
        return new Block(MemoryBlock.littleEndian(b), base, tag);
      }

      @Override
      public List<MemoryBlock> attachPending() {
        return List.of();
      }
    };
  }

  private static final class Block implements MemoryBlock {
    private final ByteBuffer buffer;
    private final long base;
    private final String tag;
    private final AtomicBoolean closed = new AtomicBoolean();

    Block(ByteBuffer buffer, long base, String tag) {
      this.buffer = buffer;
      this.base = base;
      this.tag = tag;
    }

    @Override
    public ByteBuffer buffer() {
      return buffer;
    }

    @Override
    public long size() {
      return buffer.capacity();
    }

    @Override
    public long deviceAddress(int page) {
      if (page < 0 || page >= pageCount()) {
        throw new IndexOutOfBoundsException("page=" + page + " pages=" + pageCount());
      }
      return base + ((long) page << PAGE_SHIFT);
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
      return NAME;
    }

    @Override
    public void close() {
      // Direct buffers are freed by the garbage collector once unreachable; nothing to unmap.
      closed.set(true);
    }

    @Override
    public String toString() {
      return "DirectMemory.Block[tag=" + tag + " size=" + size() + " base=0x"
          + Long.toHexString(base) + (closed.get() ? " closed" : "") + "]";
    }
  }
}
