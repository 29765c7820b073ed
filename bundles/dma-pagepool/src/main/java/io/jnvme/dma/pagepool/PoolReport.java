package io.jnvme.dma.pagepool;

import java.util.List;

/**
 * What a page pool holds at one moment, from {@link PagePool#validate()}: the allocations a
 * current client holds, the ones nobody has re-attached (pending), free space, and what opening
 * the file had to repair.
 *
 * <p>An allocation is <em>pending</em> when it is recorded in the file but no live block of the
 * device's current client holds it: after the pool file was reopened (a new JVM, or the pool
 * object closed and opened again) until {@link io.jnvme.device.DmaClient#attachPending()}; when
 * its block was garbage collected without being closed; or when a newer client for the same
 * device exists (the previous driver let go) and has not re-attached it yet. After a restore,
 * every pending allocation is a leak unless some driver is still going to claim it; a strict
 * caller fails when {@link #clean()} is false, a lenient one frees them with
 * {@link PagePool#freePending(String)}.
 *
 * @param file the pool file
 * @param formatVersion the on-disk format version of the file
 * @param size the pool file's size
 * @param deviceAddressBase the device address of the file's first byte
 * @param dataOffset the first allocatable byte (the metadata lies before it)
 * @param freeBytes free bytes, all runs together
 * @param largestFreeRun the largest block that can be allocated now
 * @param slotsInUse slots holding an allocation
 * @param slotCount slots in the slot table
 * @param attached allocations held by a current client, by file offset
 * @param pending allocations nobody has re-attached, by file offset
 * @param rolledBackAtOpen allocations that were being made when the previous user of the file
 *     stopped and were rolled back when this pool object opened it
 * @since 1.0
 */
public record PoolReport(String file, int formatVersion, long size, long deviceAddressBase,
    long dataOffset, long freeBytes, long largestFreeRun, int slotsInUse, int slotCount,
    List<PoolAllocation> attached, List<PoolAllocation> pending, int rolledBackAtOpen) {
  public PoolReport {
    attached = List.copyOf(attached);
    pending = List.copyOf(pending);
  }

  /** True if no allocation is pending. */
  public boolean clean() {
    return pending.isEmpty();
  }

  /** The pending allocations of one device. */
  public List<PoolAllocation> pendingFor(String deviceId) {
    return pending.stream().filter(a -> a.deviceId().equals(deviceId)).toList();
  }

  /** The attached allocations of one device. */
  public List<PoolAllocation> attachedFor(String deviceId) {
    return attached.stream().filter(a -> a.deviceId().equals(deviceId)).toList();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("PoolReport[file=").append(file)
        .append(" version=").append(formatVersion)
        .append(" size=").append(size)
        .append(" base=0x").append(Long.toHexString(deviceAddressBase))
        .append(" free=").append(freeBytes)
        .append(" largestFreeRun=").append(largestFreeRun)
        .append(" slots=").append(slotsInUse).append('/').append(slotCount)
        .append(" attached=").append(attached.size())
        .append(" pending=").append(pending.size());
    if (rolledBackAtOpen > 0) {
      s.append(" rolledBackAtOpen=").append(rolledBackAtOpen);
    }
    for (PoolAllocation a : pending) {
      s.append("\n  pending ").append(a);
    }
    return s.append(']').toString();
  }
}
