package io.jnvme.transport.vfio.internal;

import io.jnvme.device.MemoryBlock;
import java.nio.ByteBuffer;

/** A block over a direct buffer with device addresses chosen by the test, page by page. */
final class TestBlock implements MemoryBlock {
  private final ByteBuffer buffer;
  private final long[] deviceAddresses;

  TestBlock(ByteBuffer buffer, long... deviceAddresses) {
    this.buffer = MemoryBlock.littleEndian(buffer);
    this.deviceAddresses = deviceAddresses;
  }

  /** A block of {@code pages} pages at consecutive device addresses from {@code first}. */
  static TestBlock consecutive(int pages, long first) {
    long[] a = new long[pages];
    for (int i = 0; i < pages; i++) {
      a[i] = first + ((long) i << PAGE_SHIFT);
    }
    return new TestBlock(alignedDirect(pages), a);
  }

  /** A page-aligned direct buffer of {@code pages} pages. */
  static ByteBuffer alignedDirect(int pages) {
    return ByteBuffer.allocateDirect((pages + 1) * PAGE_SIZE).alignedSlice(PAGE_SIZE)
        .limit(pages * PAGE_SIZE).slice();
  }

  @Override
  public ByteBuffer buffer() {
    return buffer;
  }

  @Override
  public long size() {
    return (long) deviceAddresses.length << PAGE_SHIFT;
  }

  @Override
  public long deviceAddress(int page) {
    return deviceAddresses[page];
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public String tag() {
    return "test";
  }

  @Override
  public String allocatorName() {
    return "test";
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "TestBlock[pages=" + deviceAddresses.length + "]";
  }
}
