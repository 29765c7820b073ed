package io.jnvme.transport.vfio.internal;

import io.jnvme.device.DeviceInterrupt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MSI-X vector, delivered by the kernel as a write to an eventfd (VFIO_DEVICE_SET_IRQS with
 * DATA_EVENTFD and ACTION_TRIGGER).
 *
 * <p>The eventfd's counter is the pending flag: a vector that fires while nobody waits stays
 * counted until the next {@link #await} reads it, so no completion is missed. {@link #await}
 * blocks in {@code poll(2)}, which uses no CPU while it waits. {@link #wake()} adds to the same
 * counter, which wakes a waiter exactly as the vector would.
 *
 * <p>{@code poll} does not notice {@link Thread#interrupt()}; the wait is cut into slices of at
 * most {@value #SLICE_MILLIS} ms so that an interrupted thread gets its InterruptedException soon.
 */
final class VfioInterrupt implements DeviceInterrupt {
  private static final Logger LOG = LoggerFactory.getLogger(VfioInterrupt.class);
  /** Longest single poll: bounds how late a Thread.interrupt() is noticed. */
  static final int SLICE_MILLIS = 250;

  private final VfioSys sys;
  private final int vector;
  private final int eventfd;
  private final IrqAffinity affinity;
  /** Threads between deciding to poll and leaving poll; close waits for them. */
  private final AtomicInteger polling = new AtomicInteger();
  private final Object closedWait = new Object();
  private volatile boolean closed;
  /** After close: a wake() not yet seen by await. */
  private boolean wokenWhileClosed;
  private volatile int cpu = -1;
  private volatile boolean failureLogged;

  VfioInterrupt(VfioSys sys, int vector, int eventfd, IrqAffinity affinity) {
    this.sys = sys;
    this.vector = vector;
    this.eventfd = eventfd;
    this.affinity = affinity;
  }

  @Override
  public int vector() {
    return vector;
  }

  int eventfd() {
    return eventfd;
  }

  int cpu() {
    return cpu;
  }

  /** Asks for delivery near {@code newCpu}; best effort, see {@link IrqAffinity}. */
  void target(int newCpu) {
    if (newCpu != cpu) {
      cpu = newCpu;
      if (newCpu >= 0) {
        affinity.apply(vector, newCpu);
      }
    }
  }

  @Override
  public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long nanos = unit.toNanos(timeout);
    long deadline = System.nanoTime() + nanos;
    polling.incrementAndGet();
    try {
      while (!closed) {
        if (consume()) {
          return true;
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        int millis = (int) Math.min(SLICE_MILLIS, TimeUnit.NANOSECONDS.toMillis(remaining) + 1);
        try {
          sys.pollIn(eventfd, millis);
        } catch (SysCallException e) {
          logOnce(e);
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
        }
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
    } finally {
      polling.decrementAndGet();
    }
    return awaitClosed(deadline);
  }

  /** Reads and clears the counter: true if the vector fired (or was woken) since the last read. */
  private boolean consume() {
    try {
      return sys.eventfdRead(eventfd) != 0;
    } catch (SysCallException e) {
      logOnce(e);
      return false;
    }
  }

  /** A closed vector never fires: wait for wake() or the deadline, without spinning. */
  private boolean awaitClosed(long deadline) throws InterruptedException {
    synchronized (closedWait) {
      while (!wokenWhileClosed) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(closedWait, remaining);
      }
      wokenWhileClosed = false;
      return true;
    }
  }

  @Override
  public void wake() {
    if (!closed) {
      try {
        sys.eventfdWrite(eventfd, 1);
      } catch (SysCallException e) {
        logOnce(e);
      }
      if (!closed) {
        return;
      }
    }
    // Closed (possibly while writing): waiters sleep on the monitor instead.
    synchronized (closedWait) {
      wokenWhileClosed = true;
      closedWait.notifyAll();
    }
  }

  /**
   * Stops the vector: wakes every waiter, waits (up to a second) until none is inside poll, then
   * closes the eventfd, so that no thread ever polls a closed, possibly reused, descriptor.
   */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // The counter stays up until read, so a waiter entering poll after this returns at once.
      sys.eventfdWrite(eventfd, 1);
    } catch (SysCallException e) {
      logOnce(e);
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (polling.get() > 0 && System.nanoTime() < until) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    if (polling.get() > 0) {
      LOG.warn("vector={} still has {} waiters in poll after close; its eventfd is left open",
          vector, polling.get());
      return;
    }
    sys.close(eventfd);
  }

  private void logOnce(SysCallException e) {
    if (!failureLogged) {
      failureLogged = true;
      LOG.warn("vector={} eventfd={}: {}", vector, eventfd, e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "VfioInterrupt[vector=" + vector + " eventfd=" + eventfd + " cpu=" + cpu
        + (closed ? " closed" : "") + "]";
  }
}
