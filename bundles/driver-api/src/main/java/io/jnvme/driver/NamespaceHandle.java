package io.jnvme.driver;

import io.jnvme.device.MemoryBlock;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Exclusive access to one namespace. At most one handle per NSID per controller is open at a
 * time; {@link #close()} releases it. Not cloneable and not serialisable. A handle dropped
 * without close is released when it is garbage collected, with a warning.
 *
 * <p>Data moves through {@link MemoryBlock}s from {@link NvmeController#allocateBuffer}: the
 * driver puts their device addresses in the commands, so nothing is copied. Blocks and offsets are
 * in logical blocks of {@link #blockSize()} bytes. A transfer larger than
 * {@link #maxTransferBlocks()} is refused; callers split.
 *
 * <p>Calls without a CPU argument select the I/O queue of the calling thread's CPU slot.
 */
@ProviderType
public interface NamespaceHandle extends AutoCloseable {
  /** The namespace id. */
  int nsid();

  /** The controller's instance name. */
  String controllerName();

  /** Logical block size in bytes. */
  int blockSize();

  /** Namespace size in logical blocks; changes when the namespace is resized. */
  long blockCount();

  /** The largest transfer one command may carry, in blocks. */
  int maxTransferBlocks();

  /** Current information (size, state, identifiers). */
  NamespaceInfo info();

  /** True once the controller removed this namespace; it never serves I/O again. */
  boolean removed();

  /** Reads {@code blocks} blocks at {@code lba} into {@code buffer} at byte {@code offset}. */
  void read(long lba, int blocks, MemoryBlock buffer, long offset) throws NvmeException;

  /** Writes {@code blocks} blocks at {@code lba} from {@code buffer}; {@code fua} forces them to media. */
  void write(long lba, int blocks, MemoryBlock buffer, long offset, boolean fua)
      throws NvmeException;

  /** Flush: makes data in the volatile write cache durable. */
  void flush() throws NvmeException;

  /** Deallocates (trims) {@code blocks} blocks at {@code lba} with Dataset Management. */
  void deallocate(long lba, long blocks) throws NvmeException;

  /** Writes zeroes to {@code blocks} blocks at {@code lba} with Write Zeroes (no data transfer). */
  void writeZeroes(long lba, int blocks) throws NvmeException;

  /**
   * Submits a read and returns at once; {@code completion} is called when it ends. Neither this
   * call nor the completion allocates.
   *
   * @param cpu the CPU slot whose queue to use, or -1 for the calling thread's
   */
  void submitRead(int cpu, long lba, int blocks, MemoryBlock buffer, long offset,
      IoCompletion completion, long context);

  /** Asynchronous write; see {@link #submitRead}. */
  void submitWrite(int cpu, long lba, int blocks, MemoryBlock buffer, long offset, boolean fua,
      IoCompletion completion, long context);

  /** Registers a listener that is told of every later size change of this namespace. */
  void addResizeListener(ResizeListener listener);

  void removeResizeListener(ResizeListener listener);

  /**
   * Waits until the namespace's size differs from {@code knownBlockCount}, or it is removed, or
   * the timeout passes.
   *
   * @return the block count now (equal to {@code knownBlockCount} on timeout)
   * @throws NamespaceException REMOVED if the namespace was removed meanwhile
   * @throws InterruptedException if the waiting thread is interrupted
   */
  long awaitResize(long knownBlockCount, java.time.Duration timeout)
      throws NamespaceException, InterruptedException;

  /** Releases the NSID. Closing twice has no effect. */
  @Override
  void close();
}
