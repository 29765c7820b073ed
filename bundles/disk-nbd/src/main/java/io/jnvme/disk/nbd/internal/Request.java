package io.jnvme.disk.nbd.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One request of a connection between the reader that decoded it and the writer that answers
 * it. A connection preallocates as many as it allows in flight; the reader fills one, the device
 * completion (or the reader, for synchronous commands) sets the result, the writer sends the
 * reply and gives it back.
 */
final class Request {
  /** Index in the connection's table, also the completion context. */
  final int index;
  /** Reply header: a structured data chunk (20 + 8 bytes) is the largest. */
  final ByteBuffer header = ByteBuffer.allocateDirect(32).order(ByteOrder.BIG_ENDIAN);
  int type;
  int flags;
  long cookie;
  long offset;
  long length;
  /** Payload buffer (write data, read data), or null. */
  ByteBuffer data;
  /** NBD error value, 0 on success. */
  int error;
  /** Why, for a human; sent in structured error chunks. */
  String message;

  Request(int index) {
    this.index = index;
  }

  void clear() {
    data = null;
    error = 0;
    message = null;
  }
}
