package io.jnvme.transport.vfio.internal;

import java.nio.ByteBuffer;

/**
 * The Linux calls the VFIO transport makes, with addresses as plain {@code long}s and arguments as
 * direct buffers, so that everything above this interface is plain Java and a test can stand in
 * for the kernel. The JNA implementation is
 * {@link io.jnvme.transport.vfio.internal.jna.LinuxSys}; nothing else calls C.
 *
 * <p>Buffers passed in must be direct, little endian, and used from position 0.
 */
public interface VfioSys {
  /** {@code open(path, O_RDWR | O_CLOEXEC)}. */
  int open(String path) throws SysCallException;

  /** {@code close(fd)}; errors are reported, not thrown, because nothing can be done about them. */
  void close(int fd);

  /** {@code ioctl(fd, request, arg)} with a pointer argument; returns the call's result. */
  int ioctl(int fd, int request, ByteBuffer arg) throws SysCallException;

  /** {@code ioctl(fd, request, value)} with an integer argument. */
  int ioctl(int fd, int request, long value) throws SysCallException;

  /**
   * {@code mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset)}.
   *
   * @return the address of the mapping
   */
  long mmapShared(int fd, long offset, long length) throws SysCallException;

  /**
   * Replaces the mapping at {@code address} in place with private anonymous memory filled with
   * {@code 0xFF} bytes ({@code mmap} with {@code MAP_FIXED}), so that a late access through a
   * buffer over it reads all ones, the value of a PCI device that is gone, instead of faulting; and
   * the device file loses the reference the mapping held on it.
   */
  void retireMapping(long address, long length) throws SysCallException;

  /** {@code munmap(address, length)}. */
  void munmap(long address, long length) throws SysCallException;

  /** A direct buffer over {@code length} bytes at {@code address}; it does not own the memory. */
  ByteBuffer view(long address, int length);

  /** The address of a direct buffer's first byte (its position is ignored). */
  long address(ByteBuffer direct);

  /** {@code pread(fd, dst, dst.limit(), offset)}; returns the bytes read. */
  int pread(int fd, ByteBuffer dst, long offset) throws SysCallException;

  /** {@code pwrite(fd, src, src.limit(), offset)}; returns the bytes written. */
  int pwrite(int fd, ByteBuffer src, long offset) throws SysCallException;

  /** {@code eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)}. */
  int eventfd() throws SysCallException;

  /**
   * Reads and clears an eventfd's counter.
   *
   * @return the counter, 0 if it was 0 (EAGAIN)
   */
  long eventfdRead(int fd) throws SysCallException;

  /** Adds {@code value} to an eventfd's counter, waking whoever polls it. */
  void eventfdWrite(int fd, long value) throws SysCallException;

  /**
   * {@code poll} for input on one fd. Blocks in the kernel, so a waiting thread uses no CPU.
   *
   * @return true if the fd is readable, false on timeout or when a signal interrupted the wait
   */
  boolean pollIn(int fd, int timeoutMillis) throws SysCallException;

  /** The system page size. */
  int pageSize();
}
