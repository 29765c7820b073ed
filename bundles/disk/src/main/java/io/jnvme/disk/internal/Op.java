package io.jnvme.disk.internal;

import io.jnvme.disk.DiskCompletion;
import io.jnvme.disk.DiskException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One read or write request of a block device, split into chunks. Preallocated in a pool and
 * reused, so that the I/O path allocates nothing.
 *
 * <p>{@link #pending} counts the chunks not yet finished plus one held by the submitting thread
 * until it has submitted them all; the thread that brings it to zero finishes the request.
 */
final class Op {
  static final int READ = 0;
  static final int WRITE = 1;

  int kind;
  /** Byte offset on the device. */
  long offset;
  /** The caller's buffer, its position at submission, and the length. */
  ByteBuffer buffer;
  int bufferPosition;
  int length;
  boolean fua;
  /** Asynchronous caller, or null. */
  DiskCompletion completion;
  long context;
  /** Synchronous caller parked until {@link #done}, or null. */
  volatile Thread waiter;
  volatile boolean done;
  /** Gate stamp held by an aligned write until it ends; 0 if none. */
  long stamp;
  final AtomicInteger pending = new AtomicInteger();
  /** The first failure; later chunks are not submitted once it is set. */
  final AtomicReference<DiskException> error = new AtomicReference<>();

  void fail(DiskException e) {
    error.compareAndSet(null, e);
  }

  void clear() {
    buffer = null;
    completion = null;
    waiter = null;
    done = false;
    stamp = 0;
    error.set(null);
  }
}
