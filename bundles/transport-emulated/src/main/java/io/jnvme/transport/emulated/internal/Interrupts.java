package io.jnvme.transport.emulated.internal;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The controller's interrupt vectors with the INTMS/INTMC mask (Base spec 2.0, §3.1.4.3-4). The
 * mask covers vectors 0..31; a vector raised while masked is remembered and raised on unmask, as
 * the MSI-X pending bit would be.
 */
final class Interrupts {
  private final EmulatedInterrupt[] vectors;
  private final AtomicIntegerArray deferred;
  private volatile int mask;

  Interrupts(int count) {
    vectors = new EmulatedInterrupt[count];
    for (int i = 0; i < count; i++) {
      vectors[i] = new EmulatedInterrupt(i);
    }
    deferred = new AtomicIntegerArray(Math.min(count, 32));
  }

  int count() {
    return vectors.length;
  }

  EmulatedInterrupt get(int vector) {
    return vectors[vector];
  }

  /** Raises {@code vector}, or remembers it if masked. */
  void fire(int vector) {
    if (vector < 0 || vector >= vectors.length) {
      return;
    }
    if (vector < 32 && (mask & (1 << vector)) != 0) {
      deferred.set(vector, 1);
      // The mask may have been cleared between the check and the set; re-check so the signal is
      // not stranded.
      if ((mask & (1 << vector)) == 0 && deferred.getAndSet(vector, 0) == 1) {
        vectors[vector].signal();
      }
      return;
    }
    vectors[vector].signal();
  }

  int mask() {
    return mask;
  }

  synchronized void setMask(int bits) {
    mask |= bits;
  }

  synchronized void clearMask(int bits) {
    mask &= ~bits;
    for (int v = 0; v < deferred.length(); v++) {
      if ((bits & (1 << v)) != 0 && deferred.getAndSet(v, 0) == 1) {
        vectors[v].signal();
      }
    }
  }

  /** Controller reset: the mask returns to its reset value, all clear. */
  synchronized void reset() {
    clearMask(-1);
  }

  /** Wakes every waiter, as if each vector fired; used when the device goes away. */
  void wakeAll() {
    for (EmulatedInterrupt i : vectors) {
      i.wake();
    }
  }
}
