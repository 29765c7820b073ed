package io.jnvme.transport.emulated.internal;

import io.jnvme.transport.emulated.EmulatedNamespace;
import java.io.IOException;

/** Argument checks shared by the namespace kinds. */
final class NamespaceChecks {
  private NamespaceChecks() {}

  static int lbaSize(int lbaSize) {
    if (lbaSize < EmulatedNamespace.MIN_LBA_SIZE || lbaSize > EmulatedNamespace.MAX_LBA_SIZE
        || Integer.bitCount(lbaSize) != 1) {
      throw new IllegalArgumentException(
          "lbaSize=" + lbaSize + ": must be a power of two from 512 to 65536");
    }
    return lbaSize;
  }

  static long size(long sizeBytes, int lbaSize) {
    if (sizeBytes <= 0 || sizeBytes % lbaSize != 0) {
      throw new IllegalArgumentException(
          "sizeBytes=" + sizeBytes + ": must be a positive multiple of lbaSize=" + lbaSize);
    }
    return sizeBytes;
  }

  static void range(long offset, long length, long size) throws IOException {
    if (offset < 0 || length < 0 || offset > size || length > size - offset) {
      throw new IOException(
          "offset=" + offset + " length=" + length + ": beyond the namespace (size=" + size + ")");
    }
  }
}
