package io.jnvme.driver.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.InvalidRequestException;
import io.jnvme.driver.IoCompletion;
import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NamespaceInfo;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.ResizeListener;
import java.time.Duration;
import io.jnvme.spec.NvmOpcode;

/**
 * The one open handle of a namespace. Final, neither cloneable nor serialisable, so it cannot be
 * duplicated; {@link #close()} (or the garbage collector) gives the NSID back.
 */
final class NamespaceHandleImpl implements NamespaceHandle {
  /** CDW12 bit 30: Force Unit Access. */
  private static final int FUA = 1 << 30;
  private static final int READ = NvmOpcode.READ.raw();
  private static final int WRITE = NvmOpcode.WRITE.raw();

  private final Controller ctrl;
  private final Namespace ns;
  private final NamespaceRegistry.Release release;
  private volatile boolean closed;

  NamespaceHandleImpl(Controller ctrl, Namespace ns, NamespaceRegistry.Release release) {
    this.ctrl = ctrl;
    this.ns = ns;
    this.release = release;
  }

  @Override
  public int nsid() {
    return ns.nsid;
  }

  @Override
  public String controllerName() {
    return ctrl.name();
  }

  @Override
  public int blockSize() {
    return ns.blockSize;
  }

  @Override
  public long blockCount() {
    return ns.blockCount();
  }

  @Override
  public int maxTransferBlocks() {
    return ns.maxTransferBlocks;
  }

  @Override
  public NamespaceInfo info() {
    return ns.info(null);
  }

  @Override
  public boolean removed() {
    return ns.removed();
  }

  private void checkUsable() throws NamespaceException {
    if (closed) {
      throw new NamespaceException("handle is closed controller=" + ctrl.name(),
          NamespaceException.Reason.CLOSED, ns.nsid);
    }
    if (ns.removed()) {
      throw new NamespaceException("namespace was removed controller=" + ctrl.name(),
          NamespaceException.Reason.REMOVED, ns.nsid);
    }
  }

  private void checkRange(long lba, long blocks, boolean transfer) throws NvmeException {
    checkUsable();
    if (blocks < 1 || lba < 0 || lba > ns.blockCount() - blocks) {
      throw new InvalidRequestException("range lba=" + lba + " blocks=" + blocks
          + " outside namespace of " + ns.blockCount() + " blocks controller=" + ctrl.name()
          + " nsid=" + ns.nsid);
    }
    if (transfer && blocks > ns.maxTransferBlocks) {
      throw new InvalidRequestException("transfer of " + blocks + " blocks exceeds the limit of "
          + ns.maxTransferBlocks + " blocks controller=" + ctrl.name() + " nsid=" + ns.nsid);
    }
  }

  private void checkBuffer(MemoryBlock buffer, long offset, long bytes) throws NvmeException {
    if (!(buffer instanceof MappedBuffer m) || m.owner != ctrl || m.closed()) {
      throw new InvalidRequestException("buffer was not allocated by this controller's"
          + " allocateBuffer (or was closed) controller=" + ctrl.name());
    }
    if (offset < 0 || offset > buffer.size() - bytes) {
      throw new InvalidRequestException("buffer of " + buffer.size() + " bytes cannot hold "
          + bytes + " bytes at offset " + offset);
    }
  }

  @Override
  public void read(long lba, int blocks, MemoryBlock buffer, long offset) throws NvmeException {
    rw(READ, lba, blocks, buffer, offset, 0);
  }

  @Override
  public void write(long lba, int blocks, MemoryBlock buffer, long offset, boolean fua)
      throws NvmeException {
    rw(WRITE, lba, blocks, buffer, offset, fua ? FUA : 0);
  }

  private void rw(int opcode, long lba, int blocks, MemoryBlock buffer, long offset, int flags)
      throws NvmeException {
    checkRange(lba, blocks, true);
    long bytes = (long) blocks << ns.lbads;
    checkBuffer(buffer, offset, bytes);
    ctrl.queueForCurrentThread().execute(opcode, ns.nsid, (int) lba, (int) (lba >>> 32),
        (blocks - 1) | flags, 0, 0, 0, buffer, offset, bytes);
  }

  @Override
  public void submitRead(int cpu, long lba, int blocks, MemoryBlock buffer, long offset,
      IoCompletion completion, long context) {
    submit(READ, cpu, lba, blocks, buffer, offset, 0, completion, context);
  }

  @Override
  public void submitWrite(int cpu, long lba, int blocks, MemoryBlock buffer, long offset,
      boolean fua, IoCompletion completion, long context) {
    submit(WRITE, cpu, lba, blocks, buffer, offset, fua ? FUA : 0, completion, context);
  }

  private void submit(int opcode, int cpu, long lba, int blocks, MemoryBlock buffer, long offset,
      int flags, IoCompletion completion, long context) {
    QueuePair q;
    long bytes = (long) blocks << ns.lbads;
    try {
      checkRange(lba, blocks, true);
      checkBuffer(buffer, offset, bytes);
      q = cpu < 0 ? ctrl.queueForCurrentThread() : ctrl.queueFor(cpu);
    } catch (NvmeException e) {
      completion.completed(context, e);
      return;
    }
    q.submitAsync(opcode, ns.nsid, (int) lba, (int) (lba >>> 32), (blocks - 1) | flags, 0, 0, 0,
        buffer, offset, bytes, completion, context);
  }

  @Override
  public void flush() throws NvmeException {
    checkUsable();
    ctrl.queueForCurrentThread().execute(NvmOpcode.FLUSH.raw(), ns.nsid, 0, 0, 0, 0, 0, 0, null, 0,
        0);
  }

  @Override
  public void deallocate(long lba, long blocks) throws NvmeException {
    checkRange(lba, blocks, false);
    ctrl.queueForCurrentThread().executeDeallocate(ns.nsid, lba, blocks);
  }

  @Override
  public void writeZeroes(long lba, int blocks) throws NvmeException {
    checkRange(lba, blocks, false);
    if (blocks > 65536) {
      throw new InvalidRequestException("Write Zeroes covers at most 65536 blocks per command");
    }
    ctrl.queueForCurrentThread().execute(NvmOpcode.WRITE_ZEROES.raw(), ns.nsid, (int) lba,
        (int) (lba >>> 32), blocks - 1, 0, 0, 0, null, 0, 0);
  }

  @Override
  public void addResizeListener(ResizeListener listener) {
    ns.addListener(listener);
  }

  @Override
  public void removeResizeListener(ResizeListener listener) {
    ns.removeListener(listener);
  }

  @Override
  public long awaitResize(long knownBlockCount, Duration timeout)
      throws NamespaceException, InterruptedException {
    long now = ns.awaitChange(knownBlockCount, timeout.toNanos());
    if (ns.removed()) {
      throw new NamespaceException("namespace was removed controller=" + ctrl.name(),
          NamespaceException.Reason.REMOVED, ns.nsid);
    }
    return now;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      release.explicit = true;
      release.cleanable.clean();
    }
  }

  @Override
  public String toString() {
    return "NamespaceHandle[controller=" + ctrl.name() + " nsid=" + ns.nsid
        + (ns.removed() ? " removed" : "") + (closed ? " closed" : "") + "]";
  }
}
