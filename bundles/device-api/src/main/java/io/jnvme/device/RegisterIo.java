package io.jnvme.device;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A mapped register window (a BAR). Offsets are in bytes. Accesses are not reordered with each
 * other or with earlier {@link MemoryBlock} writes: every write has release semantics and every
 * read acquire semantics, as MMIO on the platforms we run on.
 */
@ProviderType
public interface RegisterIo {
  /** Length of the window in bytes. */
  long length();

  int read32(long offset);

  long read64(long offset);

  void write32(long offset, int value);

  void write64(long offset, long value);
}
