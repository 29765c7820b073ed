package io.jnvme.disk.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.IoCompletion;
import io.jnvme.driver.NvmeException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The DMA bounce buffers of one {@link Binding}: one block from the controller's
 * {@code allocateBuffer}, cut into small slots (one page, or one logical block if larger) for
 * small requests and read-modify-write, and big slots (the chunk size) for the rest. Taking a slot
 * waits when all of its kind are in use, which bounds the memory and the commands in flight.
 *
 * <p>After {@link #retire()}, no slot is handed out any more, and the block is returned to the
 * controller as soon as the last slot comes back: a command still in flight may write into it
 * until then.
 *
 * <p>The pool is also the {@link IoCompletion} of every command it carries, with the slot index
 * as context, so that completions allocate nothing.
 */
final class BouncePool implements IoCompletion {
  final NvmeBlockDevice device;
  final Binding binding;
  final MemoryBlock block;
  private final Slot[] slots;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition freed = lock.newCondition();
  private final int[] freeSmall;
  private final int[] freeBig;
  private int topSmall;
  private int topBig;
  private int taken;
  private boolean retired;
  private boolean closed;

  BouncePool(NvmeBlockDevice device, Binding binding, MemoryBlock block, int smallSize,
      int smallCount, int bigSize, int bigCount) {
    this.device = device;
    this.binding = binding;
    this.block = block;
    this.slots = new Slot[smallCount + bigCount];
    this.freeSmall = new int[smallCount];
    this.freeBig = new int[bigCount];
    long at = 0;
    for (int i = 0; i < smallCount; i++) {
      slots[i] = new Slot(this, i, at, smallSize, false);
      at += smallSize;
      freeSmall[topSmall++] = i;
    }
    for (int i = 0; i < bigCount; i++) {
      slots[smallCount + i] = new Slot(this, smallCount + i, at, bigSize, true);
      at += bigSize;
      freeBig[topBig++] = smallCount + i;
    }
  }

  /** Bytes a pool of these dimensions needs. */
  static long bytes(int smallSize, int smallCount, int bigSize, int bigCount) {
    return (long) smallSize * smallCount + (long) bigSize * bigCount;
  }

  /**
   * Takes a slot, waiting while all of the kind are in use.
   *
   * @return the slot, or null if the pool was retired (take one from the current binding)
   */
  Slot acquire(boolean big) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (true) {
        if (retired) {
          return null;
        }
        if (big ? topBig > 0 : topSmall > 0) {
          taken++;
          return slots[big ? freeBig[--topBig] : freeSmall[--topSmall]];
        }
        // Slots come back when commands complete, and every command has a timeout; the bounded
        // wait only makes a missed signal harmless.
        freed.await(100, TimeUnit.MILLISECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Gives a slot back; closes the block if the pool is retired and this was the last one. */
  void release(Slot s) {
    s.op = null;
    boolean close = false;
    lock.lock();
    try {
      if (s.big) {
        freeBig[topBig++] = s.index;
      } else {
        freeSmall[topSmall++] = s.index;
      }
      taken--;
      if (retired && taken == 0 && !closed) {
        closed = true;
        close = true;
      }
      freed.signal();
    } finally {
      lock.unlock();
    }
    if (close) {
      block.close();
    }
  }

  /** Hands out no more slots; the block goes back once every slot is back. */
  void retire() {
    boolean close = false;
    lock.lock();
    try {
      retired = true;
      freed.signalAll();
      if (taken == 0 && !closed) {
        closed = true;
        close = true;
      }
    } finally {
      lock.unlock();
    }
    if (close) {
      block.close();
    }
  }

  /** Slots handed out and not yet back (for tests). */
  int taken() {
    lock.lock();
    try {
      return taken;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void completed(long context, NvmeException error) {
    device.chunkDone(slots[(int) context], error);
  }
}
