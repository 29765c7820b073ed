package io.jnvme.driver.internal;

import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A data buffer handed to users: a block from the bound allocator, mapped for one controller's
 * device. Closing unmaps and frees it.
 */
final class MappedBuffer implements MemoryBlock {
  final Controller owner;
  private final MemoryBlock block;
  private final DmaMapping mapping;
  private final AtomicBoolean closed = new AtomicBoolean();

  MappedBuffer(Controller owner, MemoryBlock block, DmaMapping mapping) {
    this.owner = owner;
    this.block = block;
    this.mapping = mapping;
  }

  boolean closed() {
    return closed.get();
  }

  @Override
  public ByteBuffer buffer() {
    return block.buffer();
  }

  @Override
  public long size() {
    return block.size();
  }

  @Override
  public long deviceAddress(int page) {
    return block.deviceAddress(page);
  }

  @Override
  public boolean persistent() {
    return block.persistent();
  }

  @Override
  public String tag() {
    return block.tag();
  }

  @Override
  public String allocatorName() {
    return block.allocatorName();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      owner.buffers.remove(this);
      mapping.close();
      long address = block.deviceAddress(0);
      block.close();
      // After servicing in this JVM the restoring driver re-attached this memory; its block
      // there is the one that frees it.
      io.jnvme.driver.savestate.InFlightHandover.bufferClosed(owner.deviceId(), address);
    }
  }

  @Override
  public String toString() {
    return "MappedBuffer[controller=" + owner.name() + " " + block + "]";
  }
}
