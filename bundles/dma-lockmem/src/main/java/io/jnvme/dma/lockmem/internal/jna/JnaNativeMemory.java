package io.jnvme.dma.lockmem.internal.jna;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.jnvme.dma.lockmem.internal.NativeCallException;
import io.jnvme.dma.lockmem.internal.NativeMemory;
import java.nio.ByteBuffer;

/** {@link NativeMemory} over glibc through JNA: the only class of the bundle that calls C. */
public final class JnaNativeMemory implements NativeMemory {
  /** mmap's MAP_FAILED, {@code (void *) -1}. */
  private static final long MAP_FAILED = -1L;

  private final LibC libc;
  private final int pageSize;

  private JnaNativeMemory(LibC libc) {
    this.libc = libc;
    this.pageSize = libc.getpagesize();
  }

  /**
   * Loads the C library.
   *
   * @throws UnsupportedOperationException on anything but 64-bit Linux, whose constants and
   *     type sizes {@link LibC} assumes
   * @throws UnsatisfiedLinkError if JNA or the C library cannot be loaded
   */
  public static JnaNativeMemory load() {
    if (!Platform.isLinux() || !Platform.is64Bit() || Platform.isMIPS() || Platform.isSPARC()) {
      throw new UnsupportedOperationException("lockmem needs 64-bit Linux (x86-64, aarch64, "
          + "riscv64); os.name=" + System.getProperty("os.name")
          + " os.arch=" + System.getProperty("os.arch"));
    }
    return new JnaNativeMemory(Native.load(Platform.C_LIBRARY_NAME, LibC.class));
  }

  @Override
  public int pageSize() {
    return pageSize;
  }

  @Override
  public long mmapAnonymous(long length) throws NativeCallException {
    // SAFETY: a NULL hint lets the kernel choose a free range; nothing existing is replaced
    // (no MAP_FIXED).
    Pointer p = libc.mmap(null, length, LibC.PROT_READ | LibC.PROT_WRITE,
        LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0L);
    long address = Pointer.nativeValue(p);
    if (p == null || address == MAP_FAILED) {
      throw new NativeCallException("mmap", Native.getLastError());
    }
    return address;
  }

  @Override
  public void munmap(long address, long length) throws NativeCallException {
    // SAFETY: only called by LockedBlock.Release, exactly once per mapping, once nothing can
    // reach a buffer over it (close by the owner, or the cleaner after the buffer became
    // unreachable).
    check("munmap", libc.munmap(new Pointer(address), length));
  }

  @Override
  public void mlock(long address, long length) throws NativeCallException {
    // SAFETY: mlock and munlock change residency only, never contents or mappings.
    check("mlock", libc.mlock(new Pointer(address), length));
  }

  @Override
  public void munlock(long address, long length) throws NativeCallException {
    check("munlock", libc.munlock(new Pointer(address), length));
  }

  @Override
  public long[] memlockLimit() throws NativeCallException {
    long[] rlimit = new long[2];
    check("getrlimit", libc.getrlimit(LibC.RLIMIT_MEMLOCK, rlimit));
    // RLIM_INFINITY is ~0UL, which reads as -1 in a Java long: exactly UNLIMITED.
    return rlimit;
  }

  @Override
  public ByteBuffer view(long address, int length) {
    // SAFETY: the caller owns a live mapping of at least length bytes at address and keeps it
    // mapped while the buffer (or any duplicate of it) can be reached; see LockedBlock.
    return new Pointer(address).getByteBuffer(0, length);
  }

  private static void check(String call, int rc) throws NativeCallException {
    if (rc != 0) {
      throw new NativeCallException(call, Native.getLastError());
    }
  }
}
