package io.jnvme.transport.emulated;

import io.jnvme.transport.emulated.internal.FileNamespace;
import io.jnvme.transport.emulated.internal.MemoryNamespace;
import io.jnvme.transport.emulated.internal.NullNamespace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The medium behind one namespace of an {@link EmulatedController}: a byte-addressed store of
 * {@link #sizeBytes()} bytes cut into logical blocks of {@link #lbaSize()} bytes.
 *
 * <p>Three kinds come with the bundle: {@link #memory}, {@link #file} and {@link #nullDevice}.
 * Implement the interface to get another medium (one that fails on purpose, say). The controller
 * calls the data methods from its own threads, possibly several at once, always with offsets and
 * lengths that are whole logical blocks inside the namespace; implementations must be thread
 * safe. An {@link IOException} from them completes the command with a media error.
 *
 * <p>A namespace may be given to {@link EmulatedController#addNamespace} again after
 * {@link EmulatedController#removeNamespace} (its data survives); closing the controller closes
 * the namespaces it holds at that moment.
 *
 * @since 1.0
 */
@ConsumerType
public interface EmulatedNamespace extends AutoCloseable {
  /** Smallest logical block size, 512 bytes (LBADS 9). */
  int MIN_LBA_SIZE = 512;
  /** Largest logical block size, 64 KiB (LBADS 16). */
  int MAX_LBA_SIZE = 65536;

  /**
   * A namespace in memory. Nothing is allocated up front: the store is cut into 1 MiB chunks that
   * are allocated on first write, and chunks never written (or deallocated whole) read as zeros.
   *
   * @param sizeBytes capacity, a positive multiple of {@code lbaSize}
   * @param lbaSize logical block size, a power of two from 512 to 65536
   * @throws IllegalArgumentException if the sizes are not valid
   */
  static EmulatedNamespace memory(long sizeBytes, int lbaSize) {
    return new MemoryNamespace(sizeBytes, lbaSize);
  }

  /**
   * A namespace that stores nothing: reads and writes complete successfully without touching host
   * memory, so that benchmarks measure the driver alone. Its PRPs are not even looked at.
   *
   * @param sizeBytes capacity, a positive multiple of {@code lbaSize}; may exceed the memory
   * @param lbaSize logical block size, a power of two from 512 to 65536
   * @throws IllegalArgumentException if the sizes are not valid
   */
  static EmulatedNamespace nullDevice(long sizeBytes, int lbaSize) {
    return new NullNamespace(sizeBytes, lbaSize);
  }

  /**
   * A namespace backed by a file, created if missing and extended (sparsely, where the file system
   * can) to {@code sizeBytes} if shorter. A longer file is used as is; only its first
   * {@code sizeBytes} bytes are the namespace. Flush forces the file to storage; deallocation
   * writes zeros.
   *
   * @param path the backing file
   * @param sizeBytes capacity, a positive multiple of {@code lbaSize}
   * @param lbaSize logical block size, a power of two from 512 to 65536
   * @throws IOException if the file cannot be opened or extended
   * @throws IllegalArgumentException if the sizes are not valid
   */
  static EmulatedNamespace file(Path path, long sizeBytes, int lbaSize) throws IOException {
    return new FileNamespace(path, sizeBytes, lbaSize);
  }

  /** Capacity in bytes, a multiple of {@link #lbaSize()}. */
  long sizeBytes();

  /** Logical block size in bytes. */
  int lbaSize();

  /** Capacity in logical blocks (Identify Namespace NSZE). */
  default long blockCount() {
    return sizeBytes() / lbaSize();
  }

  /**
   * False for a namespace whose reads and writes complete without moving data; the controller
   * then skips the PRPs of Read and Write commands entirely.
   */
  default boolean transfersData() {
    return true;
  }

  /**
   * Reads {@code dst.remaining()} bytes at byte {@code offset} into {@code dst}, advancing its
   * position. Never-written and deallocated bytes read as zeros.
   *
   * @throws IOException if the medium fails (the command completes with Unrecovered Read Error)
   */
  void read(long offset, ByteBuffer dst) throws IOException;

  /**
   * Writes {@code src.remaining()} bytes at byte {@code offset}, advancing its position.
   *
   * @throws IOException if the medium fails (the command completes with Write Fault)
   */
  void write(long offset, ByteBuffer src) throws IOException;

  /**
   * Deallocates {@code length} bytes at {@code offset}: afterwards they read as zeros. Used for
   * Dataset Management with the Deallocate attribute and for Write Zeroes.
   *
   * @throws IOException if the medium fails
   */
  void deallocate(long offset, long length) throws IOException;

  /**
   * Makes completed writes durable (the Flush command).
   *
   * @throws IOException if the medium fails
   */
  default void flush() throws IOException {}

  /**
   * Changes the capacity. Bytes past a reduced size are lost; bytes added read as zeros. Call it
   * through {@link EmulatedController#resizeNamespace}, which also tells the host.
   *
   * @param sizeBytes the new capacity, a positive multiple of {@link #lbaSize()}
   * @throws IOException if the medium cannot be resized
   * @throws IllegalArgumentException if the size is not valid
   */
  void resize(long sizeBytes) throws IOException;

  /** Releases the medium (closes a file). The default does nothing. */
  @Override
  default void close() {}

  /**
   * Test helper: {@code length} bytes at byte {@code offset}, read directly from the medium.
   *
   * @throws IOException if the medium fails
   */
  default byte[] readBytes(long offset, int length) throws IOException {
    byte[] b = new byte[length];
    read(offset, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN));
    return b;
  }

  /**
   * Test helper: writes {@code data} at byte {@code offset} directly to the medium.
   *
   * @throws IOException if the medium fails
   */
  default void writeBytes(long offset, byte[] data) throws IOException {
    write(offset, ByteBuffer.wrap(data));
  }
}
