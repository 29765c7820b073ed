package io.jnvme.dma.lockmem.internal.jna;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * Raw glibc bindings, Linux on 64-bit platforms only: {@code size_t} and {@code off_t} are mapped
 * to {@code long}. Return values are checked by {@link JnaNativeMemory}; errno comes from
 * {@link com.sun.jna.Native#getLastError()}, which JNA saves right after every call.
 */
interface LibC extends Library {
  int PROT_READ = 0x1;
  int PROT_WRITE = 0x2;
  int MAP_PRIVATE = 0x02;
  /** The value on x86-64 and aarch64 (it differs on MIPS, SPARC and some others). */
  int MAP_ANONYMOUS = 0x20;
  /** {@code RLIMIT_MEMLOCK} in asm-generic/resource.h (x86-64, aarch64, riscv64). */
  int RLIMIT_MEMLOCK = 8;

  Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

  int munmap(Pointer addr, long length);

  int mlock(Pointer addr, long length);

  int munlock(Pointer addr, long length);

  /** {@code struct rlimit} is two {@code rlim_t} (unsigned long): rlim_cur, rlim_max. */
  int getrlimit(int resource, long[] rlimit);

  int getpagesize();
}
