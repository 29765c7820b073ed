package io.jnvme.transport.emulated.internal;

import io.jnvme.device.DeviceInterrupt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One MSI-X vector: a pending flag that a waiter consumes. A signal with nobody waiting stays
 * pending, so a waiter that checks its queue and then waits cannot miss a completion.
 */
final class EmulatedInterrupt implements DeviceInterrupt {
  private final int vector;
  private final AtomicBoolean pending = new AtomicBoolean();
  /** Waiters in {@link #await}; the signaller takes the lock only when someone may be asleep. */
  private final AtomicInteger waiters = new AtomicInteger();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition fired = lock.newCondition();
  private final AtomicLong signals = new AtomicLong();
  private volatile int cpu;
  /**
   * The one waiter a driver normally has (its completion thread): it parks and is unparked
   * directly, which allocates nothing per wait, unlike a Condition. Further concurrent waiters use
   * the lock and condition.
   */
  private final java.util.concurrent.atomic.AtomicReference<Thread> sole =
      new java.util.concurrent.atomic.AtomicReference<>();

  EmulatedInterrupt(int vector) {
    this.vector = vector;
  }

  @Override
  public int vector() {
    return vector;
  }

  /** Records where the host asked the vector to be delivered; an emulator has no CPUs to pick. */
  void target(int cpu) {
    this.cpu = cpu;
  }

  /** Times the vector was raised (not counting {@link #wake()}). */
  long signals() {
    return signals.get();
  }

  /** Raises the vector. */
  void signal() {
    signals.incrementAndGet();
    raise();
  }

  private void raise() {
    if (pending.getAndSet(true)) {
      // Raised before and not yet taken: a waiter checks pending before it parks, so it will see
      // this one without another wake-up. A burst of completions costs one wake-up, not one each.
      return;
    }
    // The sole waiter publishes itself before it re-checks pending (both volatile): either it
    // sees this set, or this sees it and unparks it (an unpark before its park is not lost).
    Thread t = sole.get();
    if (t != null) {
      java.util.concurrent.locks.LockSupport.unpark(t);
    }
    // The waiter increments waiters before it re-checks pending, and both are volatile: either it
    // sees this set, or this sees its increment and wakes it.
    if (waiters.get() > 0) {
      lock.lock();
      try {
        fired.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  @Override
  public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    if (pending.getAndSet(false)) {
      return true;
    }
    long nanos = unit.toNanos(timeout);
    Thread me = Thread.currentThread();
    if (sole.compareAndSet(null, me)) {
      try {
        long deadline = System.nanoTime() + nanos;
        while (!pending.getAndSet(false)) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          java.util.concurrent.locks.LockSupport.parkNanos(this, left);
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
        }
        return true;
      } finally {
        sole.set(null);
      }
    }
    lock.lockInterruptibly();
    waiters.incrementAndGet();
    try {
      while (!pending.getAndSet(false)) {
        if (nanos <= 0) {
          return false;
        }
        nanos = fired.awaitNanos(nanos);
      }
      return true;
    } finally {
      waiters.decrementAndGet();
      lock.unlock();
    }
  }

  @Override
  public void wake() {
    raise();
  }

  @Override
  public String toString() {
    return "EmulatedInterrupt[vector=" + vector + " cpu=" + cpu + " pending=" + pending.get() + "]";
  }
}
