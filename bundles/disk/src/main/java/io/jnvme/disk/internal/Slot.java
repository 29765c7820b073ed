package io.jnvme.disk.internal;

/**
 * One DMA bounce buffer of a {@link BouncePool}, and the chunk of a request it carries while it is
 * taken. The chunk fields are written by the thread that takes the slot, before the command is
 * submitted, and read by the completion thread; the driver's submission orders the two.
 */
final class Slot {
  final BouncePool pool;
  /** Index in the pool, also the command's completion context. */
  final int index;
  /** Byte offset of this slot in the pool's memory block. */
  final long offset;
  /** Capacity in bytes, a multiple of the block size. */
  final int size;
  final boolean big;

  /** The request this slot serves. */
  Op op;
  /** Byte offset on the device of the chunk: block aligned. */
  long devPos;
  /** Chunk length in bytes: whole blocks. */
  int length;
  /** Retries so far (servicing). */
  int attempts;

  Slot(BouncePool pool, int index, long offset, int size, boolean big) {
    this.pool = pool;
    this.index = index;
    this.offset = offset;
    this.size = size;
    this.big = big;
  }
}
