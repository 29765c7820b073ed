package io.jnvme.dma.pagepool;

import java.time.Instant;

/**
 * One allocation as recorded in the pool file: a run of whole pages owned by a device and tagged
 * with what it is for.
 *
 * @param id the allocation's number, unique within the pool file and never reused
 * @param deviceId the device the block was allocated for ({@link io.jnvme.device.Device#id()})
 * @param tag what the block is for, as the driver named it
 * @param fileOffset the first byte in the pool file, page aligned
 * @param size bytes, a multiple of the page size
 * @param deviceAddress the device address of the first byte
 * @param created when the allocation was made
 * @since 1.0
 */
public record PoolAllocation(long id, String deviceId, String tag, long fileOffset, long size,
    long deviceAddress, Instant created) {
  /** Number of 4 KiB pages. */
  public long pages() {
    return size / PagePoolConfig.PAGE_SIZE;
  }

  @Override
  public String toString() {
    return "PoolAllocation[id=" + id + " device=" + deviceId + " tag=" + tag + " size=" + size
        + " deviceAddress=0x" + Long.toHexString(deviceAddress) + "]";
  }
}
