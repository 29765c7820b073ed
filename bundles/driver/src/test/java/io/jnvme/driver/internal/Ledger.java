package io.jnvme.driver.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The writes a device acknowledged, block by block, so that a test can read them back after a
 * fault and prove none was lost. A write that failed, timed out or was never acknowledged makes
 * its blocks unknown (they may hold the old or the new data); an acknowledged write makes them
 * known again.
 */
final class Ledger {
  private final int blockSize;
  private final Map<Long, byte[]> known = new ConcurrentSkipListMap<>();

  Ledger(int blockSize) {
    this.blockSize = blockSize;
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Fills {@code buf} at {@code offset} with {@code blocks} blocks of data from {@code seed}. */
  byte[] fill(MemoryBlock buf, long offset, int blocks, long seed) {
    byte[] d = random(blocks * blockSize, seed);
    buf.copyFrom(ByteBuffer.wrap(d), offset);
    return d;
  }

  void acknowledged(long lba, byte[] data) {
    for (int i = 0; i < data.length / blockSize; i++) {
      known.put(lba + i, Arrays.copyOfRange(data, i * blockSize, (i + 1) * blockSize));
    }
  }

  void unknown(long lba, int blocks) {
    for (int i = 0; i < blocks; i++) {
      known.remove(lba + i);
    }
  }

  int size() {
    return known.size();
  }

  /**
   * A synchronous write: acknowledged if it returns, unknown if it throws.
   *
   * @return the error, or null
   */
  NvmeException write(NamespaceHandle h, MemoryBlock buf, long lba, int blocks, long seed) {
    byte[] d = fill(buf, 0, blocks, seed);
    try {
      h.write(lba, blocks, buf, 0, false);
      acknowledged(lba, d);
      return null;
    } catch (NvmeException e) {
      unknown(lba, blocks);
      return e;
    }
  }

  /** Reads every acknowledged block back; throws on the first one that differs. */
  int verify(NamespaceHandle h, MemoryBlock buf) throws NvmeException {
    int n = 0;
    for (Map.Entry<Long, byte[]> e : known.entrySet()) {
      h.read(e.getKey(), 1, buf, 0);
      byte[] got = new byte[blockSize];
      buf.copyTo(0, ByteBuffer.wrap(got));
      if (!Arrays.equals(got, e.getValue())) {
        throw new AssertionError("acknowledged write lost: lba " + e.getKey());
      }
      n++;
    }
    return n;
  }
}
