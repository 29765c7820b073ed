package io.jnvme.dma.pagepool;

/**
 * No free run of pages is large enough, or every slot of the slot table is in use. The request
 * is not rounded away: {@link #requested()} is the size after rounding up to whole pages.
 *
 * @since 1.0
 */
public final class PoolFullException extends PagePoolException {
  private static final long serialVersionUID = 1L;

  private final long requested;
  private final long freeBytes;
  private final long largestFreeRun;
  private final int slotsInUse;
  private final int slotCount;

  /**
   * @param file the pool file
   * @param what who asked ({@code device=... tag=...})
   * @param requested bytes asked for, rounded up to whole pages
   * @param freeBytes free bytes in the pool, in all runs together
   * @param largestFreeRun the largest block that could be allocated now
   * @param slotsInUse slots of the slot table in use
   * @param slotCount slots in the slot table
   */
  public PoolFullException(String file, String what, long requested, long freeBytes,
      long largestFreeRun, int slotsInUse, int slotCount) {
    super(file, what + ": pool full: requested=" + requested + " free=" + freeBytes
        + " largestFreeRun=" + largestFreeRun + " slots=" + slotsInUse + "/" + slotCount
        + (slotsInUse >= slotCount ? " (slot table full: raise max allocations)" : ""), null);
    this.requested = requested;
    this.freeBytes = freeBytes;
    this.largestFreeRun = largestFreeRun;
    this.slotsInUse = slotsInUse;
    this.slotCount = slotCount;
  }

  /** Bytes asked for, rounded up to whole pages. */
  public long requested() {
    return requested;
  }

  /** Free bytes in the pool, all runs together. */
  public long freeBytes() {
    return freeBytes;
  }

  /** The largest block that could have been allocated. */
  public long largestFreeRun() {
    return largestFreeRun;
  }

  /** Slots in use when the allocation failed. */
  public int slotsInUse() {
    return slotsInUse;
  }

  /** Slots in the slot table, the pool's maximum number of allocations. */
  public int slotCount() {
    return slotCount;
  }
}
