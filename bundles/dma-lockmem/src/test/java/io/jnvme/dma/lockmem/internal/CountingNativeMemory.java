package io.jnvme.dma.lockmem.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** Real native calls with counters and an optional injected mlock failure. */
class CountingNativeMemory implements NativeMemory {
  final NativeMemory real;
  final AtomicInteger mmaps = new AtomicInteger();
  final AtomicInteger munmaps = new AtomicInteger();
  final AtomicInteger mlocks = new AtomicInteger();
  final AtomicInteger munlocks = new AtomicInteger();
  final CountDownLatch firstMunmap = new CountDownLatch(1);
  volatile int failMlockWith;

  CountingNativeMemory(NativeMemory real) {
    this.real = real;
  }

  @Override
  public int pageSize() {
    return real.pageSize();
  }

  @Override
  public long mmapAnonymous(long length) throws NativeCallException {
    mmaps.incrementAndGet();
    return real.mmapAnonymous(length);
  }

  @Override
  public void munmap(long address, long length) throws NativeCallException {
    munmaps.incrementAndGet();
    real.munmap(address, length);
    firstMunmap.countDown();
  }

  @Override
  public void mlock(long address, long length) throws NativeCallException {
    mlocks.incrementAndGet();
    if (failMlockWith != 0) {
      throw new NativeCallException("mlock", failMlockWith);
    }
    real.mlock(address, length);
  }

  @Override
  public void munlock(long address, long length) throws NativeCallException {
    munlocks.incrementAndGet();
    real.munlock(address, length);
  }

  @Override
  public long[] memlockLimit() throws NativeCallException {
    return real.memlockLimit();
  }

  @Override
  public ByteBuffer view(long address, int length) {
    return real.view(address, length);
  }
}
