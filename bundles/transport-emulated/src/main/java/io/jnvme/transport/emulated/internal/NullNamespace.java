package io.jnvme.transport.emulated.internal;

import io.jnvme.transport.emulated.EmulatedNamespace;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A namespace that stores nothing; reads return zeros when called directly. */
public final class NullNamespace implements EmulatedNamespace {
  private final int lbaSize;
  private volatile long size;

  public NullNamespace(long sizeBytes, int lbaSize) {
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

  @Override
  public boolean transfersData() {
    return false;
  }

  @Override
  public void read(long offset, ByteBuffer dst) throws IOException {
    NamespaceChecks.range(offset, dst.remaining(), size);
    while (dst.remaining() >= 8) {
      dst.putLong(0L);
    }
    while (dst.hasRemaining()) {
      dst.put((byte) 0);
    }
  }

  @Override
  public void write(long offset, ByteBuffer src) throws IOException {
    NamespaceChecks.range(offset, src.remaining(), size);
    src.position(src.limit());
  }

  @Override
  public void deallocate(long offset, long length) throws IOException {
    NamespaceChecks.range(offset, length, size);
  }

  @Override
  public void resize(long sizeBytes) {
    size = NamespaceChecks.size(sizeBytes, lbaSize);
  }

  @Override
  public String toString() {
    return "NullNamespace[size=" + size + " lba=" + lbaSize + "]";
  }
}
