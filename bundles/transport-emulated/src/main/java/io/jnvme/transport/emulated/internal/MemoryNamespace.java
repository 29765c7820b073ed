package io.jnvme.transport.emulated.internal;

import io.jnvme.transport.emulated.EmulatedNamespace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A namespace in heap memory, allocated lazily in 1 MiB chunks: a chunk exists once something
 * non-deallocated was written to it, and a missing chunk reads as zeros. Deallocating a whole chunk
 * frees it. Concurrent commands on overlapping ranges see some interleaving of their bytes, as on
 * a real device.
 */
public final class MemoryNamespace implements EmulatedNamespace {
  static final int CHUNK_SHIFT = 20;
  static final int CHUNK = 1 << CHUNK_SHIFT;
  private static final byte[] ZEROS = new byte[64 * 1024];

  private final int lbaSize;
  private final ConcurrentHashMap<Long, byte[]> chunks = new ConcurrentHashMap<>();
  private volatile long size;

  public MemoryNamespace(long sizeBytes, int lbaSize) {
    this.lbaSize = NamespaceChecks.lbaSize(lbaSize);
    this.size = NamespaceChecks.size(sizeBytes, lbaSize);
  }

  @Override
  public long sizeBytes() {
    return size;
  }

  @Override
  public int lbaSize() {
    return lbaSize;
  }

  /** Chunks allocated now (for tests of the lazy allocation). */
  public int allocatedChunks() {
    return chunks.size();
  }

  @Override
  public void read(long offset, ByteBuffer dst) throws IOException {
    NamespaceChecks.range(offset, dst.remaining(), size);
    while (dst.hasRemaining()) {
      long index = offset >>> CHUNK_SHIFT;
      int in = (int) (offset & (CHUNK - 1));
      int n = Math.min(dst.remaining(), CHUNK - in);
      byte[] c = chunks.get(index);
      if (c != null) {
        dst.put(c, in, n);
      } else {
        zeroFill(dst, n);
      }
      offset += n;
    }
  }

  private static void zeroFill(ByteBuffer dst, int n) {
    while (n > 0) {
      int k = Math.min(n, ZEROS.length);
      dst.put(ZEROS, 0, k);
      n -= k;
    }
  }

  @Override
  public void write(long offset, ByteBuffer src) throws IOException {
    NamespaceChecks.range(offset, src.remaining(), size);
    while (src.hasRemaining()) {
      long index = offset >>> CHUNK_SHIFT;
      int in = (int) (offset & (CHUNK - 1));
      int n = Math.min(src.remaining(), CHUNK - in);
      byte[] c = chunks.computeIfAbsent(index, k -> new byte[CHUNK]);
      src.get(c, in, n);
      offset += n;
    }
  }

  @Override
  public void deallocate(long offset, long length) throws IOException {
    NamespaceChecks.range(offset, length, size);
    zero(offset, length);
  }

  private void zero(long offset, long length) {
    long end = offset + length;
    while (offset < end) {
      long index = offset >>> CHUNK_SHIFT;
      int in = (int) (offset & (CHUNK - 1));
      int n = (int) Math.min(end - offset, CHUNK - in);
      if (in == 0 && n == CHUNK) {
        chunks.remove(index);
      } else {
        byte[] c = chunks.get(index);
        if (c != null) {
          Arrays.fill(c, in, in + n, (byte) 0);
        }
      }
      offset += n;
    }
  }

  @Override
  public synchronized void resize(long sizeBytes) {
    long n = NamespaceChecks.size(sizeBytes, lbaSize);
    long old = size;
    if (n < old) {
      // Zero what is cut off now, so that growing again later reads zeros there: bytes past the
      // size are always zero.
      zero(n, old - n);
    }
    size = n;
  }

  @Override
  public String toString() {
    return "MemoryNamespace[size=" + size + " lba=" + lbaSize + " chunks=" + chunks.size() + "]";
  }
}
