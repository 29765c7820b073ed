package io.jnvme.transport.qemu.internal;

import io.jnvme.device.DeviceInterrupt;
import io.jnvme.device.MemoryBlock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Interrupts as memory writes: each MSI-X table entry of the controller points into guest RAM
 * (the trick QEMU's libqos uses for virtio), so when QEMU raises vector {@code v} its MSI write
 * lands in word {@code v} of a page-pool block, where the waiter sees it. Nothing else can carry
 * an interrupt out of a QEMU whose CPU never runs: there is no local APIC to deliver to.
 *
 * <p>The waiter polls: a short spin and then yields while completions are likely (within
 * {@value #HOT_WINDOW_MICROS} us of a submission doorbell, which {@link #kick()} reports), parks
 * with a growing interval otherwise. A doorbell also unparks every parked waiter, so an idle
 * waiter does not add its park interval to the first command's latency. The word stays set until
 * a waiter consumes it, so a vector raised while nobody waits is remembered.
 */
final class MsixVectors {
  /** Bytes per vector word: one cache line each, so waiters do not share lines. */
  static final int STRIDE = 64;
  /** MSI data written by QEMU; any non-zero value works, the word is only tested. */
  static final int MESSAGE_DATA = 1;
  static final long HOT_WINDOW_MICROS = 1000;
  private static final long HOT_WINDOW_NANOS = TimeUnit.MICROSECONDS.toNanos(HOT_WINDOW_MICROS);
  private static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private static final int SPINS = 64;

  private final MemoryBlock words;
  private final Vector[] vectors;
  private volatile long lastKick = System.nanoTime() - HOT_WINDOW_NANOS;

  MsixVectors(MemoryBlock words, int count) {
    if ((long) count * STRIDE > words.size()) {
      throw new IllegalArgumentException(count + " vectors do not fit a block of "
          + words.size() + " bytes");
    }
    this.words = words;
    this.vectors = new Vector[count];
    for (int v = 0; v < count; v++) {
      vectors[v] = new Vector(v);
    }
  }

  /** Bytes of the block for {@code count} vectors. */
  static long sizeFor(int count) {
    return (long) count * STRIDE;
  }

  int count() {
    return vectors.length;
  }

  /** The guest-physical address QEMU writes vector {@code v}'s message to. */
  long messageAddress(int v) {
    return words.deviceAddressOf((long) v * STRIDE);
  }

  DeviceInterrupt vector(int v) {
    return vectors[v];
  }

  /** A submission went to the device: completions are likely soon. */
  void kick() {
    lastKick = System.nanoTime();
    for (Vector v : vectors) {
      Thread t = v.waiter;
      if (t != null && v.parked) {
        LockSupport.unpark(t);
      }
    }
  }

  /** Wakes every waiter, as if each vector fired (detaching the host). */
  void wakeAll() {
    for (Vector v : vectors) {
      v.wake();
    }
  }

  private final class Vector implements DeviceInterrupt {
    private final int vector;
    private final long offset;
    private volatile boolean woken;
    volatile Thread waiter;
    volatile boolean parked;

    Vector(int vector) {
      this.vector = vector;
      this.offset = (long) vector * STRIDE;
    }

    @Override
    public int vector() {
      return vector;
    }

    private boolean consume() {
      if (woken) {
        woken = false;
        return true;
      }
      // Acquire: the completion entry was written before the message (QEMU posts the entry,
      // then notifies), so after seeing the word the entry is visible too.
      // SAFETY: the word is this vector's own 4 bytes of the transport's block; QEMU writes the
      // message data there and nothing else touches it.
      if (words.getIntAcquire(offset) != 0) {
        words.putIntVolatile(offset, 0);
        return true;
      }
      return false;
    }

    @Override
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
      if (consume()) {
        return true;
      }
      long deadline = System.nanoTime() + unit.toNanos(timeout);
      long park = MIN_PARK_NANOS;
      int idle = 0;
      waiter = Thread.currentThread();
      try {
        while (true) {
          if (consume()) {
            return true;
          }
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
          long now = System.nanoTime();
          long rem = deadline - now;
          if (rem <= 0) {
            return false;
          }
          if (now - lastKick < HOT_WINDOW_NANOS) {
            // A completion is due within tens of microseconds: stay on the CPU, but let QEMU's
            // threads have it when they need it (two CPUs are common on test machines).
            if (idle++ < SPINS) {
              Thread.onSpinWait();
            } else {
              Thread.yield();
            }
            park = MIN_PARK_NANOS;
          } else {
            idle = 0;
            parked = true;
            try {
              // Re-check after announcing the park: kick() writes lastKick and then reads
              // parked, this wrote parked and now reads lastKick (all volatile), so either this
              // sees the kick or the kick sees this parked and unparks it.
              if (consume()) {
                return true;
              }
              if (System.nanoTime() - lastKick < HOT_WINDOW_NANOS) {
                continue;
              }
              LockSupport.parkNanos(this, Math.min(rem, park));
            } finally {
              parked = false;
            }
            park = Math.min(park * 2, MAX_PARK_NANOS);
          }
        }
      } finally {
        waiter = null;
      }
    }

    @Override
    public void wake() {
      woken = true;
      Thread t = waiter;
      if (t != null) {
        LockSupport.unpark(t);
      }
    }

    @Override
    public String toString() {
      return "MsixVector[vector=" + vector + " address=0x"
          + Long.toHexString(messageAddress(vector)) + "]";
    }
  }
}
