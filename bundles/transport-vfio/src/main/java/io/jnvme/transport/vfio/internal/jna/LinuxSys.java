package io.jnvme.transport.vfio.internal.jna;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.jnvme.transport.vfio.internal.SysCallException;
import io.jnvme.transport.vfio.internal.VfioSys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link VfioSys} over glibc through JNA: the only class of the bundle that calls C. */
public final class LinuxSys implements VfioSys {
  private static final Logger LOG = LoggerFactory.getLogger(LinuxSys.class);
  /** mmap's MAP_FAILED, {@code (void *) -1}. */
  private static final long MAP_FAILED = -1L;

  /** Per-thread scratch for the interrupt path, so that waiting allocates nothing. */
  private static final ThreadLocal<ByteBuffer> SCRATCH =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()));

  private final int pageSize;

  private LinuxSys() {
    this.pageSize = (int) LibC.sysconf(LibC.SC_PAGESIZE);
  }

  /**
   * Loads the C library.
   *
   * @throws UnsupportedOperationException on anything but 64-bit little-endian Linux, whose
   *     constants and type sizes {@link LibC} assumes
   * @throws UnsatisfiedLinkError if JNA or the C library cannot be loaded
   */
  public static LinuxSys load() {
    if (!Platform.isLinux() || !Platform.is64Bit() || Platform.isMIPS() || Platform.isSPARC()
        || Platform.isPPC() || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new UnsupportedOperationException("VFIO needs 64-bit little-endian Linux (x86-64, "
          + "aarch64, riscv64); os.name=" + System.getProperty("os.name")
          + " os.arch=" + System.getProperty("os.arch"));
    }
    try {
      return new LinuxSys();
    } catch (ExceptionInInitializerError e) {
      UnsatisfiedLinkError u = new UnsatisfiedLinkError("cannot bind the C library: " + e);
      u.initCause(e);
      throw u;
    }
  }

  @Override
  public int open(String path) throws SysCallException {
    try {
      return LibC.open(path, LibC.O_RDWR | LibC.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new SysCallException("open " + path, e.getErrorCode());
    }
  }

  @Override
  public void close(int fd) {
    try {
      LibC.close(fd);
    } catch (LastErrorException e) {
      LOG.warn("close fd={}: {}", fd, SysCallException.errnoName(e.getErrorCode()));
    }
  }

  @Override
  public int ioctl(int fd, int request, ByteBuffer arg) throws SysCallException {
    checkDirect(arg);
    try {
      // SAFETY: arg is a direct buffer at least as long as the structure the request names (its
      // argsz says so); the kernel reads and writes only within argsz.
      return LibC.ioctl(fd, Integer.toUnsignedLong(request), arg);
    } catch (LastErrorException e) {
      throw new SysCallException(requestName(request), e.getErrorCode());
    }
  }

  @Override
  public int ioctl(int fd, int request, long value) throws SysCallException {
    try {
      return LibC.ioctl(fd, Integer.toUnsignedLong(request), value);
    } catch (LastErrorException e) {
      throw new SysCallException(requestName(request), e.getErrorCode());
    }
  }

  @Override
  public long mmapShared(int fd, long offset, long length) throws SysCallException {
    try {
      // SAFETY: a NULL hint lets the kernel choose a free range; nothing existing is replaced.
      long a = LibC.mmap(0L, length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd,
          offset);
      if (a == MAP_FAILED) {
        throw new SysCallException("mmap", Native.getLastError());
      }
      return a;
    } catch (LastErrorException e) {
      throw new SysCallException("mmap", e.getErrorCode());
    }
  }

  @Override
  public void retireMapping(long address, long length) throws SysCallException {
    long spare;
    try {
      spare = LibC.mmap(0L, length, LibC.PROT_READ | LibC.PROT_WRITE,
          LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0L);
    } catch (LastErrorException e) {
      throw new SysCallException("mmap (anonymous)", e.getErrorCode());
    }
    // SAFETY: spare is a fresh private mapping of length bytes owned by this method.
    new Pointer(spare).setMemory(0, length, (byte) 0xFF);
    try {
      // SAFETY: mremap with MREMAP_FIXED atomically replaces whatever is mapped at
      // [address, address + length) (the caller's own BAR mapping) with the spare pages: a
      // concurrent reader sees either the BAR or all ones, never an unmapped hole.
      LibC.mremap(spare, length, length, LibC.MREMAP_MAYMOVE | LibC.MREMAP_FIXED, address);
    } catch (LastErrorException e) {
      try {
        LibC.munmap(spare, length);
      } catch (LastErrorException ignored) {
        // Reported below with the mremap failure.
      }
      throw new SysCallException("mremap", e.getErrorCode());
    }
  }

  @Override
  public void munmap(long address, long length) throws SysCallException {
    try {
      LibC.munmap(address, length);
    } catch (LastErrorException e) {
      throw new SysCallException("munmap", e.getErrorCode());
    }
  }

  @Override
  public ByteBuffer view(long address, int length) {
    // SAFETY: the caller owns a live mapping of at least length bytes at address and keeps it
    // mapped (or retired, never unmapped) while the buffer can be reached.
    return new Pointer(address).getByteBuffer(0, length).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public long address(ByteBuffer direct) {
    checkDirect(direct);
    return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
  }

  @Override
  public int pread(int fd, ByteBuffer dst, long offset) throws SysCallException {
    checkDirect(dst);
    try {
      return (int) LibC.pread(fd, dst, dst.limit(), offset);
    } catch (LastErrorException e) {
      throw new SysCallException("pread", e.getErrorCode());
    }
  }

  @Override
  public int pwrite(int fd, ByteBuffer src, long offset) throws SysCallException {
    checkDirect(src);
    try {
      return (int) LibC.pwrite(fd, src, src.limit(), offset);
    } catch (LastErrorException e) {
      throw new SysCallException("pwrite", e.getErrorCode());
    }
  }

  @Override
  public int eventfd() throws SysCallException {
    try {
      return LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
    } catch (LastErrorException e) {
      throw new SysCallException("eventfd", e.getErrorCode());
    }
  }

  @Override
  public long eventfdRead(int fd) throws SysCallException {
    ByteBuffer b = SCRATCH.get();
    try {
      LibC.read(fd, b, 8);
      return b.getLong(0);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == SysCallException.EAGAIN) {
        return 0;
      }
      throw new SysCallException("read eventfd", e.getErrorCode());
    }
  }

  @Override
  public void eventfdWrite(int fd, long value) throws SysCallException {
    ByteBuffer b = SCRATCH.get();
    b.putLong(0, value);
    try {
      LibC.write(fd, b, 8);
    } catch (LastErrorException e) {
      // EAGAIN: the counter is at its maximum, so a reader will wake anyway.
      if (e.getErrorCode() != SysCallException.EAGAIN) {
        throw new SysCallException("write eventfd", e.getErrorCode());
      }
    }
  }

  @Override
  public boolean pollIn(int fd, int timeoutMillis) throws SysCallException {
    ByteBuffer p = SCRATCH.get();
    p.putInt(LibC.POLLFD_FD_OFFSET, fd);
    p.putShort(LibC.POLLFD_EVENTS_OFFSET, LibC.POLLIN);
    p.putShort(LibC.POLLFD_REVENTS_OFFSET, (short) 0);
    try {
      return LibC.poll(p, 1, timeoutMillis) > 0
          && (p.getShort(LibC.POLLFD_REVENTS_OFFSET) & LibC.POLLIN) != 0;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == SysCallException.EINTR) {
        return false;
      }
      throw new SysCallException("poll", e.getErrorCode());
    }
  }

  @Override
  public int pageSize() {
    return pageSize;
  }

  private static void checkDirect(ByteBuffer b) {
    if (!b.isDirect()) {
      throw new IllegalArgumentException("a system call needs a direct buffer");
    }
  }

  /** The request's name for error messages. */
  static String requestName(int request) {
    String n = Ioctls.name(request);
    return n != null ? n : "ioctl 0x" + Integer.toHexString(request);
  }
}
