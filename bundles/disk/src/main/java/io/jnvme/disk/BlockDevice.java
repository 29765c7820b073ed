package io.jnvme.disk;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A disk: {@link #size()} bytes addressed by byte offset, backed by one NVMe namespace. Registered
 * as an OSGi service with the properties {@value #NAME}, {@value #CONTROLLER}, {@value #NSID},
 * {@value #READ_ONLY} and {@value #BLOCK_SIZE}.
 *
 * <p>Offsets and lengths may have any alignment. Requests larger than one command can carry are
 * split at the namespace's transfer limit. A write that covers a logical block only partly reads
 * that block, merges the new bytes and writes it back (read-modify-write); such writes are
 * serialised against every other write of the device, so that concurrent writes never lose each
 * other's bytes. Aligned requests run concurrently and never pay for this.
 *
 * <p>Buffers are the caller's: the device copies between them and its own DMA memory, so any
 * {@link ByteBuffer} (heap or direct) works. Every transfer moves the buffer's
 * {@link ByteBuffer#remaining() remaining} bytes, from its position on, and leaves its position
 * and limit unchanged.
 *
 * <p>I/O goes to the NVMe I/O queue of the calling thread's CPU slot; picking it makes no native
 * call. When the driver is replaced while the controller keeps running (servicing), requests that
 * the old driver refused are retried on the new one: callers see a pause, not an error.
 *
 * <p>Once the namespace is removed, or the device is closed, every request fails at once with
 * {@link DiskRemovedException}; nothing waits for a namespace that will not come back.
 *
 * @since 1.0
 */
@ProviderType
public interface BlockDevice {
  /** Service property: the device's name, e.g. {@code nvme0n1}. */
  String NAME = "disk.name";
  /** Service property: the NVMe controller's instance name, e.g. {@code nvme0}. */
  String CONTROLLER = "disk.controller";
  /** Service property: the namespace id (Integer). */
  String NSID = "disk.nsid";
  /** Service property: whether writes are refused (Boolean). */
  String READ_ONLY = "disk.readOnly";
  /** Service property: the logical block size in bytes (Integer). */
  String BLOCK_SIZE = "disk.blockSize";

  /** The name, e.g. {@code nvme0n1}. */
  String name();

  /** The controller's instance name. */
  String controllerName();

  /** The namespace id. */
  int nsid();

  /** The logical block size in bytes: the smallest unit written without read-modify-write. */
  int blockSize();

  /** The size in bytes now; it changes when the namespace is resized. */
  long size();

  /** The largest transfer one NVMe command carries, in bytes; larger requests are split. */
  int maxTransferBytes();

  /** True if writes, discards and write-zeroes are refused with {@link DiskReadOnlyException}. */
  boolean readOnly();

  /** True once the namespace was removed or the device closed; it never serves I/O again. */
  boolean removed();

  /**
   * Reads {@code dst.remaining()} bytes at byte {@code offset} into {@code dst}.
   *
   * @throws DiskRangeException if the range is not inside the device
   * @throws DiskRemovedException if the device was removed or closed
   * @throws DiskIoException if the device failed the request
   */
  void read(long offset, ByteBuffer dst) throws DiskException;

  /**
   * Writes {@code src.remaining()} bytes at byte {@code offset}.
   *
   * @param fua force unit access: the data is on non-volatile media when this returns
   * @throws DiskReadOnlyException if the device is read-only
   * @throws DiskRangeException if the range is not inside the device
   * @throws DiskRemovedException if the device was removed or closed
   * @throws DiskIoException if the device failed the request
   */
  void write(long offset, ByteBuffer src, boolean fua) throws DiskException;

  /** Makes every completed write durable (NVMe Flush). */
  void flush() throws DiskException;

  /**
   * Tells the device that {@code length} bytes at {@code offset} are no longer needed (NVMe
   * Dataset Management, deallocate). Only the whole logical blocks inside the range are
   * deallocated; partial blocks at either end are left as they are. Afterwards the range's
   * contents are unspecified until written again.
   */
  void discard(long offset, long length) throws DiskException;

  /**
   * Sets {@code length} bytes at {@code offset} to zero: NVMe Write Zeroes for whole blocks, a
   * read-modify-write for partial blocks at either end.
   *
   * @param fua the zeroes are on non-volatile media when this returns
   */
  void writeZeroes(long offset, long length, boolean fua) throws DiskException;

  /**
   * Starts a read of {@code dst.remaining()} bytes at {@code offset} and returns; the completion
   * is called exactly once, on a driver completion thread or on the calling thread. The caller
   * must not touch {@code dst} until then. The call may wait for free DMA buffers or command
   * slots, so it must not be made from a completion.
   */
  void submitRead(long offset, ByteBuffer dst, DiskCompletion completion, long context);

  /**
   * Starts a write of {@code src.remaining()} bytes at {@code offset}; see {@link #submitRead}.
   * An unaligned write runs its read-modify-write on the calling thread before this returns.
   */
  void submitWrite(long offset, ByteBuffer src, boolean fua, DiskCompletion completion,
      long context);

  /** Registers a listener for size changes and removal. */
  void addListener(BlockDeviceListener listener);

  /** Removes a listener. */
  void removeListener(BlockDeviceListener listener);
}
