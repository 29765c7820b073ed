package io.jnvme.disk.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * What a block device uses of one controller: the controller, the open namespace handle and the
 * DMA bounce buffers. A device swaps its binding when the controller is replaced (servicing) and
 * retires the old one.
 *
 * <p>Retiring also fences the DMA memory: the driver frees a controller's buffers when the
 * controller closes, and touching freed memory would crash the JVM. So every copy between a
 * caller's buffer and the bounce buffers runs between {@link #enter()} and {@link #exit()}, and
 * {@link #retire()} waits for copies in progress; after it, {@link #enter()} fails and the copy is
 * redone on the current binding.
 */
final class Binding {
  final NvmeController controller;
  final NamespaceHandle handle;
  final BouncePool pool;
  private final AtomicInteger copiers = new AtomicInteger();
  private volatile boolean retired;

  Binding(NvmeBlockDevice device, NvmeController controller, NamespaceHandle handle,
      MemoryBlock memory, NvmeBlockDevice.Options o, int smallSize, int bigSize) {
    this.controller = controller;
    this.handle = handle;
    this.pool = new BouncePool(device, this, memory, smallSize, o.smallSlots(), bigSize,
        o.bigSlots());
  }

  /**
   * Starts a copy to or from the bounce buffers.
   *
   * @return false if the binding is retired: the memory must not be touched
   */
  boolean enter() {
    // Dekker pairing with retire(): either retire() sees this increment and waits, or this sees
    // retired and backs out. Both fields are volatile (sequentially consistent).
    copiers.incrementAndGet();
    if (retired) {
      copiers.decrementAndGet();
      return false;
    }
    return true;
  }

  /** Ends a copy started with a successful {@link #enter()}. */
  void exit() {
    copiers.decrementAndGet();
  }

  boolean retired() {
    return retired;
  }

  /**
   * Stops every use of this binding: waits for copies in progress (they take microseconds),
   * retires the pool (its memory goes back once commands in flight are done) and closes the
   * namespace handle.
   */
  void retire() {
    retired = true;
    while (copiers.get() > 0) {
      LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(10));
    }
    pool.retire();
    try {
      handle.close();
    } catch (RuntimeException e) {
      // The controller may be gone already; the handle is released with it.
      NvmeBlockDevice.LOG.debug("closing the namespace handle failed handle={}", handle, e);
    }
  }
}
