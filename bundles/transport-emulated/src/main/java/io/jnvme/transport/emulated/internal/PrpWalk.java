package io.jnvme.transport.emulated.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.Status;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The host memory of one data transfer, described by PRP Entry 1 and 2 (Base spec 2.0, §4.1.1,
 * "Physical Region Page Entry and List"), resolved to segments of mapped blocks before any data
 * moves, so that a bad PRP fails the command without a partial transfer.
 *
 * <p>With a memory page size of 4 KiB: PRP1 points at the first byte and may have an offset (bits
 * 1:0 clear). If the transfer ends within PRP1's page, PRP2 is not used. If it ends in the next
 * page, PRP2 is that page. Otherwise PRP2 points at a PRP list, which may start at an offset in its
 * page; every entry of a list is a page with offset 0, and when a list page is full and more
 * entries are needed, its last entry points to the next list page instead.
 */
final class PrpWalk {
  private static final int PAGE = Constants.PAGE_SIZE;
  private static final int ENTRY = 8;

  private MemoryBlock[] blocks = new MemoryBlock[4];
  private long[] offsets = new long[4];
  private int[] lengths = new int[4];
  private int count;

  /** Number of segments after a successful {@link #walk}. */
  int count() {
    return count;
  }

  /**
   * Resolves {@code length} bytes described by {@code prp1} and {@code prp2}.
   *
   * @return {@link Status#SUCCESS}, Invalid PRP Offset for a misaligned entry, or Data Transfer
   *     Error for memory that is not mapped
   */
  Status walk(DmaSpace dma, long prp1, long prp2, long length) {
    count = 0;
    if (length <= 0) {
      return Status.SUCCESS;
    }
    if ((prp1 & 0x3) != 0) {
      return Status.INVALID_PRP_OFFSET;
    }
    long first = Math.min(length, PAGE - (prp1 & Constants.PAGE_MASK));
    if (!add(dma, prp1, (int) first)) {
      return Status.DATA_TRANSFER_ERROR;
    }
    long remaining = length - first;
    if (remaining == 0) {
      return Status.SUCCESS;
    }
    if (remaining <= PAGE) {
      if ((prp2 & Constants.PAGE_MASK) != 0) {
        return Status.INVALID_PRP_OFFSET;
      }
      return add(dma, prp2, (int) remaining) ? Status.SUCCESS : Status.DATA_TRANSFER_ERROR;
    }
    // PRP2 is a list pointer: entries are quadwords, so it must be quadword aligned.
    if ((prp2 & 0x7) != 0) {
      return Status.INVALID_PRP_OFFSET;
    }
    long list = prp2;
    while (remaining > 0) {
      int slots = (int) ((PAGE - (list & Constants.PAGE_MASK)) / ENTRY);
      DmaSpace.Run run = dma.find(list, (long) slots * ENTRY);
      if (run == null) {
        return Status.DATA_TRANSFER_ERROR;
      }
      MemoryBlock lb = run.block();
      long lo = run.blockOffset() + (list - run.start());
      long pagesNeeded = (remaining + PAGE - 1) / PAGE;
      // A full list page whose data does not end here gives its last slot to the next list page.
      int dataSlots = pagesNeeded <= slots ? (int) pagesNeeded : slots - 1;
      for (int i = 0; i < dataSlots; i++) {
        // SAFETY: lo + 8 * i lies in the list page just resolved.
        long e = lb.getLong(lo + (long) i * ENTRY);
        if ((e & Constants.PAGE_MASK) != 0) {
          return Status.INVALID_PRP_OFFSET;
        }
        int n = (int) Math.min(PAGE, remaining);
        if (!add(dma, e, n)) {
          return Status.DATA_TRANSFER_ERROR;
        }
        remaining -= n;
      }
      if (remaining > 0) {
        long next = lb.getLong(lo + (long) (slots - 1) * ENTRY);
        if ((next & Constants.PAGE_MASK) != 0) {
          return Status.INVALID_PRP_OFFSET;
        }
        list = next;
      }
    }
    return Status.SUCCESS;
  }

  private boolean add(DmaSpace dma, long address, int length) {
    DmaSpace.Run r = dma.find(address, length);
    if (r == null) {
      return false;
    }
    if (count == blocks.length) {
      int n = count * 2;
      blocks = Arrays.copyOf(blocks, n);
      offsets = Arrays.copyOf(offsets, n);
      lengths = Arrays.copyOf(lengths, n);
    }
    blocks[count] = r.block();
    offsets[count] = r.blockOffset() + (address - r.start());
    lengths[count] = length;
    count++;
    return true;
  }

  /**
   * A little-endian view of segment {@code i} of host memory, position 0, limit its length. The
   * view is the CPU view of the host's block; reading or writing it is the DMA.
   */
  ByteBuffer view(int i) {
    ByteBuffer b = blocks[i].buffer();
    // SAFETY: the segment was resolved inside a mapped block by add().
    return b.slice(Math.toIntExact(offsets[i]), lengths[i]).order(ByteOrder.LITTLE_ENDIAN);
  }

  int length(int i) {
    return lengths[i];
  }

  /** Copies {@code src} to host memory, segment after segment, until one of them ends. */
  void toHost(byte[] src) {
    int at = 0;
    for (int i = 0; i < count && at < src.length; i++) {
      int n = Math.min(lengths[i], src.length - at);
      // SAFETY: writes n bytes into segment i, resolved inside a mapped block.
      blocks[i].copyFrom(ByteBuffer.wrap(src, at, n), offsets[i]);
      at += n;
    }
  }

  /** Copies host memory into {@code dst}, segment after segment, until one of them ends. */
  void fromHost(byte[] dst) {
    int at = 0;
    for (int i = 0; i < count && at < dst.length; i++) {
      int n = Math.min(lengths[i], dst.length - at);
      // SAFETY: reads n bytes of segment i, resolved inside a mapped block.
      blocks[i].copyTo(offsets[i], ByteBuffer.wrap(dst, at, n));
      at += n;
    }
  }
}
