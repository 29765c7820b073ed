package io.jnvme.driver.internal;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.device.DmaException;
import io.jnvme.device.MemoryBlock;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A persistent allocator for unit tests: blocks outlive the client that made them and are
 * handed to the next client of the same device by {@link DmaClient#attachPending()}, as the page
 * pool does across servicing.
 */
final class PersistentTestMemory implements DmaClientProvider {
  private static final AtomicLong NEXT = new AtomicLong(0x70_0000_0000L);
  private final List<Block> live = new ArrayList<>();
  private final java.util.Map<String, Integer> generations = new java.util.HashMap<>();

  @Override
  public String name() {
    return "test-persistent";
  }

  @Override
  public boolean persistent() {
    return true;
  }

  /** Blocks still allocated and not yet re-attached by their device's newest client. */
  synchronized List<MemoryBlock> pending() {
    return live.stream().filter(b -> b.owner < generations.getOrDefault(b.device, 0))
        .map(b -> (MemoryBlock) b).toList();
  }

  synchronized List<MemoryBlock> live() {
    return List.copyOf(live);
  }

  @Override
  public synchronized DmaClient clientFor(String deviceId) {
    int gen = generations.merge(deviceId, 1, Integer::sum);
    return new DmaClient() {
      @Override
      public String allocatorName() {
        return name();
      }

      @Override
      public boolean persistent() {
        return true;
      }

      @Override
      public MemoryBlock allocate(long size, String tag) throws DmaException {
        long rounded = (size + 4095) & ~4095L;
        Block b = new Block(MemoryBlock.littleEndian(ByteBuffer.allocateDirect((int) rounded)),
            NEXT.getAndAdd(rounded + 4096), tag, gen, deviceId);
        synchronized (PersistentTestMemory.this) {
          live.add(b);
        }
        return b;
      }

      @Override
      public List<MemoryBlock> attachPending() {
        synchronized (PersistentTestMemory.this) {
          List<MemoryBlock> out = new ArrayList<>();
          for (Block b : live) {
            if (b.device.equals(deviceId) && b.owner < gen) {
              b.owner = gen;
              out.add(b);
            }
          }
          return out;
        }
      }
    };
  }

  private final class Block implements MemoryBlock {
    private final ByteBuffer buffer;
    private final long base;
    private final String tag;
    int owner;
    final String device;

    Block(ByteBuffer buffer, long base, String tag, int owner, String device) {
      this.device = device;
      this.buffer = buffer;
      this.base = base;
      this.tag = tag;
      this.owner = owner;
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
      return base + ((long) page << PAGE_SHIFT);
    }

    @Override
    public boolean persistent() {
      return true;
    }

    @Override
    public String tag() {
      return tag;
    }

    @Override
    public String allocatorName() {
      return name();
    }

    @Override
    public void close() {
      synchronized (PersistentTestMemory.this) {
        live.remove(this);
      }
    }
  }
}
