package io.jnvme.transport.emulated.internal;

import io.jnvme.device.MemoryBlock;
import java.nio.ByteBuffer;

/** A test block whose pages have the given, not necessarily consecutive, device addresses. */
final class ScatteredBlock implements MemoryBlock {
  private final ByteBuffer buffer;
  private final long[] pages;

  ScatteredBlock(long... pages) {
    this.pages = pages;
    this.buffer = MemoryBlock.littleEndian(ByteBuffer.allocateDirect(pages.length * PAGE_SIZE));
  }

  @Override
  public ByteBuffer buffer() {
    return buffer;
  }

  @Override
  public long size() {
    return (long) pages.length * PAGE_SIZE;
  }

  @Override
  public long deviceAddress(int page) {
    return pages[page];
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public String tag() {
    return "scattered";
  }

  @Override
  public String allocatorName() {
    return "test";
  }

  @Override
  public void close() {}
}
