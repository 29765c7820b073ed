package io.jnvme.transport.vfio.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Physical addresses of this process's pages from {@code /proc/self/pagemap} (kernel
 * Documentation/admin-guide/mm/pagemap.rst): one 64-bit entry per page, bit 63 "present", bits
 * 0-54 the page frame number. The frame number reads as 0 without CAP_SYS_ADMIN.
 *
 * <p>Only no-IOMMU mode needs it: there the device uses physical addresses, so a block's device
 * addresses must be its physical addresses, which this class lets the transport verify.
 */
final class Pagemap {
  static final long PRESENT = 1L << 63;
  static final long PFN_MASK = (1L << 55) - 1;

  private Pagemap() {}

  /**
   * The physical address of the byte at virtual address {@code va}, or -1 if the page is not
   * present or its frame number is hidden.
   */
  static long physical(Path procRoot, long va, int pageSize) throws IOException {
    try (FileChannel ch = FileChannel.open(procRoot.resolve("self/pagemap"),
        StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      long at = Long.divideUnsigned(va, pageSize) * 8;
      while (b.hasRemaining()) {
        if (ch.read(b, at + b.position()) < 0) {
          return -1;
        }
      }
      long entry = b.getLong(0);
      long pfn = entry & PFN_MASK;
      if ((entry & PRESENT) == 0 || pfn == 0) {
        return -1;
      }
      return pfn * pageSize + Long.remainderUnsigned(va, pageSize);
    }
  }
}
