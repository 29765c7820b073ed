package io.jnvme.transport.vfio.internal.jna;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.nio.ByteBuffer;

/**
 * Raw glibc bindings with JNA direct mapping (a native method per call, no proxy), Linux on 64-bit
 * little-endian platforms only: {@code size_t}, {@code ssize_t}, {@code off_t} and pointers are
 * {@code long}. A failing call throws {@link LastErrorException} with errno.
 *
 * <p>{@code ioctl} is variadic in C; it is declared here with a fixed third argument, which passes
 * it exactly as the variadic call does on the x86-64 and AAPCS64 Linux calling conventions.
 *
 * <p>Buffers are passed by their base address: JNA ignores a buffer's position.
 */
final class LibC {
  static {
    Native.register(Platform.C_LIBRARY_NAME);
  }

  private LibC() {}

  static final int O_RDWR = 02;
  static final int O_CLOEXEC = 02000000;
  static final int PROT_READ = 0x1;
  static final int PROT_WRITE = 0x2;
  static final int MAP_SHARED = 0x01;
  static final int MAP_PRIVATE = 0x02;
  /** The value on x86-64, aarch64 and riscv64 (not on MIPS, SPARC, PowerPC's cousins). */
  static final int MAP_ANONYMOUS = 0x20;
  static final int MREMAP_MAYMOVE = 1;
  static final int MREMAP_FIXED = 2;
  static final int EFD_NONBLOCK = 04000;
  static final int EFD_CLOEXEC = 02000000;
  static final short POLLIN = 0x1;
  /** {@code struct pollfd}: int fd, short events, short revents. */
  static final int POLLFD_SIZE = 8;
  static final int POLLFD_FD_OFFSET = 0;
  static final int POLLFD_EVENTS_OFFSET = 4;
  static final int POLLFD_REVENTS_OFFSET = 6;
  /** {@code _SC_PAGESIZE} for sysconf. */
  static final int SC_PAGESIZE = 30;

  static native int open(String path, int flags) throws LastErrorException;

  static native int close(int fd) throws LastErrorException;

  static native int ioctl(int fd, long request, ByteBuffer arg) throws LastErrorException;

  static native int ioctl(int fd, long request, long value) throws LastErrorException;

  static native long mmap(long addr, long length, int prot, int flags, int fd, long offset)
      throws LastErrorException;

  static native long mremap(long oldAddress, long oldSize, long newSize, int flags,
      long newAddress) throws LastErrorException;

  static native int munmap(long addr, long length) throws LastErrorException;

  static native long pread(int fd, ByteBuffer buf, long count, long offset)
      throws LastErrorException;

  static native long pwrite(int fd, ByteBuffer buf, long count, long offset)
      throws LastErrorException;

  static native long read(int fd, ByteBuffer buf, long count) throws LastErrorException;

  static native long write(int fd, ByteBuffer buf, long count) throws LastErrorException;

  static native int eventfd(int initval, int flags) throws LastErrorException;

  static native int poll(ByteBuffer fds, long nfds, int timeout) throws LastErrorException;

  static native long sysconf(int name);
}
