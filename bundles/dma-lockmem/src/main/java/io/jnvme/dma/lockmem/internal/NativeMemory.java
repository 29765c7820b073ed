package io.jnvme.dma.lockmem.internal;

import java.nio.ByteBuffer;

/**
 * The few Linux calls the allocator needs, with addresses as plain {@code long}s, so that the
 * allocator is plain Java and a test can stand in for the C library. The JNA binding is
 * {@link io.jnvme.dma.lockmem.internal.jna.JnaNativeMemory}; nothing else touches native memory.
 */
public interface NativeMemory {
  /** RLIM_INFINITY as {@link #memlockLimit()} reports it. */
  long UNLIMITED = -1L;

  /** The system page size ({@code getpagesize(2)}). */
  int pageSize();

  /**
   * {@code mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)}: fresh
   * anonymous pages, which the kernel fills with zeroes.
   *
   * @return the page-aligned address of the mapping
   * @throws NativeCallException with the errno if the mapping fails
   */
  long mmapAnonymous(long length) throws NativeCallException;

  /** {@code munmap(address, length)}. */
  void munmap(long address, long length) throws NativeCallException;

  /** {@code mlock(address, length)}: faults the pages in and keeps them resident. */
  void mlock(long address, long length) throws NativeCallException;

  /** {@code munlock(address, length)}. */
  void munlock(long address, long length) throws NativeCallException;

  /**
   * {@code getrlimit(RLIMIT_MEMLOCK)}.
   *
   * @return {soft, hard} in bytes, each {@link #UNLIMITED} for RLIM_INFINITY
   * @throws NativeCallException if the call fails
   */
  long[] memlockLimit() throws NativeCallException;

  /**
   * A direct buffer over {@code length} bytes at {@code address}, in native byte order. It does
   * not own the memory: whoever unmaps it must make sure the buffer is no longer used.
   */
  ByteBuffer view(long address, int length);
}
