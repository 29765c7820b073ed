package io.jnvme.device;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** Allocates DMA memory for one device. Thread safe. */
@ProviderType
public interface DmaClient {
  /** The allocator's name (e.g. {@code lockmem}, {@code pagepool}). */
  String allocatorName();

  /** Whether blocks from this client survive servicing ({@link MemoryBlock#persistent()}). */
  boolean persistent();

  /**
   * Allocates a zeroed block of at least {@code size} bytes, rounded up to whole
   * {@link MemoryBlock#PAGE_SIZE pages}, page aligned.
   *
   * @param size bytes, more than 0
   * @param tag what the block is for (e.g. {@code ioq3}); persistent allocators record it
   * @throws DmaException if the memory cannot be had; the message says why
   */
  MemoryBlock allocate(long size, String tag) throws DmaException;

  /**
   * After servicing, the blocks this device owned before; an ephemeral allocator has none.
   *
   * @throws DmaException if the pool cannot be read
   */
  List<MemoryBlock> attachPending() throws DmaException;
}
