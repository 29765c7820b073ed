package io.jnvme.transport.emulated.internal;

import io.jnvme.transport.emulated.EmulatedNamespace;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A namespace backed by a file, read and written with positional channel I/O (safe for concurrent
 * commands). Bytes past the end of a short file read as zeros.
 */
public final class FileNamespace implements EmulatedNamespace {
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(256 * 1024).asReadOnlyBuffer();

  private final Path path;
  private final int lbaSize;
  private final RandomAccessFile file;
  private final FileChannel channel;
  private volatile long size;

  public FileNamespace(Path path, long sizeBytes, int lbaSize) throws IOException {
    this.path = path;
    this.lbaSize = NamespaceChecks.lbaSize(lbaSize);
    this.size = NamespaceChecks.size(sizeBytes, lbaSize);
    this.file = new RandomAccessFile(path.toFile(), "rw");
    try {
      if (file.length() < sizeBytes) {
        file.setLength(sizeBytes);
      }
    } catch (IOException e) {
      file.close();
      throw new IOException("path=" + path + " size=" + sizeBytes + ": cannot extend the file", e);
    }
    this.channel = file.getChannel();
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
  public void read(long offset, ByteBuffer dst) throws IOException {
    NamespaceChecks.range(offset, dst.remaining(), size);
    long pos = offset;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, pos);
      if (n < 0) {
        while (dst.hasRemaining()) {
          dst.put((byte) 0);
        }
        return;
      }
      pos += n;
    }
  }

  @Override
  public void write(long offset, ByteBuffer src) throws IOException {
    NamespaceChecks.range(offset, src.remaining(), size);
    long pos = offset;
    while (src.hasRemaining()) {
      pos += channel.write(src, pos);
    }
  }

  @Override
  public void deallocate(long offset, long length) throws IOException {
    NamespaceChecks.range(offset, length, size);
    long pos = offset;
    long end = offset + length;
    while (pos < end) {
      ByteBuffer z = ZEROS.duplicate();
      z.limit((int) Math.min(z.capacity(), end - pos));
      while (z.hasRemaining()) {
        pos += channel.write(z, pos);
      }
    }
  }

  @Override
  public void flush() throws IOException {
    channel.force(false);
  }

  @Override
  public synchronized void resize(long sizeBytes) throws IOException {
    long n = NamespaceChecks.size(sizeBytes, lbaSize);
    if (n < size) {
      channel.truncate(n);
    } else if (file.length() < n) {
      file.setLength(n);
    }
    size = n;
  }

  @Override
  public void close() {
    try {
      file.close();
    } catch (IOException e) {
      // Nothing to do: the data was written with positional writes; closing only frees the handle.
    }
  }

  @Override
  public String toString() {
    return "FileNamespace[path=" + path + " size=" + size + " lba=" + lbaSize + "]";
  }
}
