package io.jnvme.driver.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * Bounded waiting for register changes: a few spins, then short parks growing to 10 ms. Controller
 * state changes take microseconds on an emulator and up to CAP.TO on hardware; this keeps both
 * cheap without a busy loop.
 */
final class Backoff {
  private final long deadline;
  private int round;

  Backoff(long timeoutNanos) {
    this.deadline = System.nanoTime() + timeoutNanos;
  }

  /** Waits a little; returns false once the deadline has passed. */
  boolean pause() {
    if (System.nanoTime() - deadline >= 0) {
      return false;
    }
    round++;
    if (round < 50) {
      Thread.onSpinWait();
    } else if (round < 100) {
      Thread.yield();
    } else {
      long park = Math.min(10_000_000L, 100_000L << Math.min(7, (round - 100) / 10));
      LockSupport.parkNanos(this, park);
    }
    return true;
  }
}
