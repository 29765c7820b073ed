package io.jnvme.transport.emulated.internal;

import io.jnvme.device.MemoryBlock;

/**
 * A physically contiguous queue ring in host memory (CAP.CQR = 1), resolved to the block that
 * holds it. The resolution is cached and redone when a mapping went away, so a ring whose memory
 * was unmapped is noticed instead of written through a stale view. Not thread safe: the owning
 * queue's lock guards it.
 */
final class HostRing {
  final long base;
  final int entrySize;
  final int entries;
  private MemoryBlock block;
  private long blockOffset;
  private long generation = -1;

  HostRing(long base, int entrySize, int entries) {
    this.base = base;
    this.entrySize = entrySize;
    this.entries = entries;
  }

  long byteLength() {
    return (long) entrySize * entries;
  }

  /** Resolves the ring; false if any of it is not mapped. */
  boolean resolve(DmaSpace dma) {
    long g = dma.generation();
    if (block != null && g == generation) {
      return true;
    }
    DmaSpace.Run r = dma.find(base, byteLength());
    if (r == null) {
      block = null;
      return false;
    }
    block = r.block();
    blockOffset = r.blockOffset() + (base - r.start());
    generation = g;
    return true;
  }

  /** The block of the ring; valid after a successful {@link #resolve}. */
  MemoryBlock block() {
    return block;
  }

  /** Offset of entry {@code index} in {@link #block()}. */
  long offsetOf(int index) {
    return blockOffset + (long) index * entrySize;
  }
}
