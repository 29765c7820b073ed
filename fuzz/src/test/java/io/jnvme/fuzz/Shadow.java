package io.jnvme.fuzz;

import io.jnvme.device.MemoryBlock;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;

/**
 * What one namespace must contain: every acknowledged write, write-zeroes and deallocation applied
 * in order. Blocks whose content cannot be known (a write that failed, overlapping writes in
 * flight together) are marked unknown until the next acknowledged write covers them.
 */
final class Shadow {
  final int blockSize;
  private final byte[] data;
  private final BitSet unknown = new BitSet();
  long verifiedBytes;
  long mismatches;

  Shadow(long maxBytes, int blockSize) {
    this.blockSize = blockSize;
    this.data = new byte[Math.toIntExact(maxBytes)];
  }

  long maxBlocks() {
    return data.length / blockSize;
  }

  /** An acknowledged write of {@code blocks} blocks at {@code lba} from {@code buf}. */
  synchronized void write(long lba, int blocks, MemoryBlock buf, long offset) {
    byte[] src = new byte[blocks * blockSize];
    buf.copyTo(offset, ByteBuffer.wrap(src));
    write(lba, blocks, src);
  }

  /** An acknowledged write of {@code blocks} blocks at {@code lba} with the bytes {@code src}. */
  synchronized void write(long lba, int blocks, byte[] src) {
    System.arraycopy(src, 0, data, (int) (lba * blockSize), blocks * blockSize);
    unknown.clear((int) lba, (int) lba + blocks);
  }

  synchronized void zero(long lba, long blocks) {
    Arrays.fill(data, (int) (lba * blockSize), (int) ((lba + blocks) * blockSize), (byte) 0);
    unknown.clear((int) lba, (int) (lba + blocks));
  }

  synchronized void forget(long lba, long blocks) {
    long end = Math.min(lba + blocks, maxBlocks());
    if (lba < end && lba >= 0) {
      unknown.set((int) lba, (int) end);
    }
  }

  /**
   * Compares what a read returned with what must be there, block by block, skipping unknown
   * blocks and those in {@code skip} (written concurrently). Returns a description of the first
   * mismatch, or null.
   */
  synchronized String verify(long lba, int blocks, MemoryBlock buf, long offset, BitSet skip) {
    byte[] got = new byte[blocks * blockSize];
    buf.copyTo(offset, ByteBuffer.wrap(got));
    return verify(lba, blocks, got, skip);
  }

  /** As {@link #verify(long, int, MemoryBlock, long, BitSet)}, for bytes already copied out. */
  synchronized String verify(long lba, int blocks, byte[] got, BitSet skip) {
    String first = null;
    for (int i = 0; i < blocks; i++) {
      int b = (int) lba + i;
      if (unknown.get(b) || (skip != null && skip.get(b))) {
        continue;
      }
      if (!Arrays.equals(got, i * blockSize, (i + 1) * blockSize, data, b * blockSize,
          (b + 1) * blockSize)) {
        mismatches++;
        if (first == null) {
          first = "block " + b + " differs from the acknowledged data (block size " + blockSize
              + "): read " + java.util.HexFormat.of().formatHex(got, i * blockSize,
              i * blockSize + 16) + "..., expected " + java.util.HexFormat.of().formatHex(data,
              b * blockSize, b * blockSize + 16) + "...";
        }
      } else {
        verifiedBytes += blockSize;
      }
    }
    return first;
  }
}
