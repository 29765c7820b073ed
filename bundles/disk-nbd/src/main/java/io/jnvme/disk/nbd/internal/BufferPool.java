package io.jnvme.disk.nbd.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The payload buffers of one connection, bounded in total: direct buffers in power-of-two size
 * classes from 4 KiB up to the largest payload, reused from request to request. When a new buffer
 * would take the connection over its budget, cached buffers of other sizes are dropped first;
 * if that is not enough, the reader waits until replies give buffers back, which stops it reading
 * from the socket (back pressure on the client).
 *
 * <p>Dropped buffers are freed by the garbage collector, so for a moment the memory in use may
 * exceed the budget by what was dropped; it is never more than one budget's worth.
 */
final class BufferPool {
  private static final int MIN_SHIFT = 12;

  private final long budget;
  private final ArrayDeque<ByteBuffer>[] free;
  private long allocated;
  private boolean closed;

  @SuppressWarnings("unchecked")
  BufferPool(long budget, int maxSize) {
    if (budget < maxSize) {
      throw new IllegalArgumentException("budget " + budget + " < largest buffer " + maxSize);
    }
    this.budget = budget;
    int classes = classOf(maxSize) + 1;
    free = new ArrayDeque[classes];
    for (int i = 0; i < classes; i++) {
      free[i] = new ArrayDeque<>();
    }
  }

  static int classOf(int length) {
    if (length <= 1 << MIN_SHIFT) {
      return 0;
    }
    return 32 - Integer.numberOfLeadingZeros(length - 1) - MIN_SHIFT;
  }

  /**
   * A buffer with position 0 and limit {@code length}, waiting while the budget is used up.
   *
   * @throws InterruptedException if the thread is interrupted (the connection is closing)
   * @throws IllegalStateException if the pool was closed
   */
  synchronized ByteBuffer acquire(int length) throws InterruptedException {
    int c = classOf(length);
    int size = 1 << (c + MIN_SHIFT);
    while (true) {
      if (closed) {
        throw new IllegalStateException("connection closed");
      }
      ByteBuffer b = free[c].pollFirst();
      if (b != null) {
        b.clear().limit(length);
        return b;
      }
      if (allocated + size <= budget || dropCached(allocated + size - budget)) {
        allocated += size;
        return ByteBuffer.allocateDirect(size).limit(length);
      }
      wait();
    }
  }

  /** Gives a buffer back. */
  synchronized void release(ByteBuffer b) {
    if (!closed) {
      free[classOf(b.capacity())].push(b);
    }
    notifyAll();
  }

  /** Drops cached buffers until {@code need} bytes are freed; false if that is impossible. */
  private boolean dropCached(long need) {
    long cached = 0;
    for (ArrayDeque<ByteBuffer> q : free) {
      cached += (long) q.size() * (q.isEmpty() ? 0 : q.peek().capacity());
    }
    if (cached < need) {
      return false;
    }
    long freed = 0;
    for (int c = free.length - 1; c >= 0 && freed < need; c--) {
      while (!free[c].isEmpty() && freed < need) {
        freed += free[c].pop().capacity();
      }
    }
    allocated -= freed;
    return true;
  }

  /** Bytes of buffers allocated and not dropped (for tests). */
  synchronized long allocated() {
    return allocated;
  }

  /** Wakes and fails waiting readers; drops the cache. */
  synchronized void close() {
    closed = true;
    for (ArrayDeque<ByteBuffer> q : free) {
      q.clear();
    }
    notifyAll();
  }
}
