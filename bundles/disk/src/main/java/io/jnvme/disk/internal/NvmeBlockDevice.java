package io.jnvme.disk.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.disk.BlockDevice;
import io.jnvme.disk.BlockDeviceListener;
import io.jnvme.disk.DiskCompletion;
import io.jnvme.disk.DiskException;
import io.jnvme.disk.DiskIoException;
import io.jnvme.disk.DiskRangeException;
import io.jnvme.disk.DiskReadOnlyException;
import io.jnvme.disk.DiskRemovedException;
import io.jnvme.driver.CommandTimeoutException;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.InvalidRequestException;
import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BlockDevice} over one NVMe namespace. Plain Java: open it with {@link #open}, give it
 * a new controller with {@link #attach} when the driver is replaced, {@link #close()} it when done.
 *
 * <h2>Requests</h2>
 *
 * <p>A read or write is widened to whole logical blocks and cut into chunks no larger than the
 * namespace's transfer limit (and {@link Options#maxChunkBytes()}). Each chunk takes a DMA bounce
 * slot from the current {@link Binding}'s pool, is copied in (writes), submitted asynchronously on
 * the calling thread's I/O queue (the driver picks it from a per-thread slot, without a native
 * call), and copied out on completion (reads). Requests and slots are preallocated; the path
 * allocates nothing.
 *
 * <h2>Read-modify-write</h2>
 *
 * <p>Only a write that covers a block partly needs it: the partial head and tail blocks are read,
 * patched and written back, the whole blocks between are written directly. A shared/exclusive
 * gate makes that safe under concurrency: aligned writes, write-zeroes and discards hold it shared
 * until they complete; a read-modify-write holds it exclusively. So a patched block can never be
 * written back over a concurrent write's data. Reads never take the gate.
 *
 * <h2>Servicing</h2>
 *
 * <p>When a command fails because the driver was replaced ({@link ControllerFailedException}
 * reason SERVICED), or because the binding it used was retired meanwhile, the chunk is retried
 * on the new binding, on the device's retry thread: the caller sees a pause. The device waits up
 * to {@link Options#rebindTimeout()} for a controller, which comes from {@link #attach} or from
 * the {@code source} supplier.
 */
public final class NvmeBlockDevice implements BlockDevice, AutoCloseable {
  static final Logger LOG = LoggerFactory.getLogger(NvmeBlockDevice.class);

  /** Retries of one chunk before its request fails (each needs a new binding). */
  private static final int MAX_ATTEMPTS = 5;
  /** Write Zeroes covers at most this many blocks per command (NLB is 16 bits, zero based). */
  private static final int MAX_ZEROES_BLOCKS = 65536;
  /** Dataset Management: 256 ranges of at most 2^32 - 1 blocks each. */
  private static final long MAX_DEALLOCATE_BLOCKS = 256L * 0xFFFF_FFFFL;

  /**
   * How a block device is built.
   *
   * @param owner the owner recorded with the namespace handle (shown by {@code nvme:list})
   * @param smallSlots bounce slots of one page (or one block) for small requests and
   *     read-modify-write
   * @param bigSlots bounce slots of one chunk for larger requests
   * @param maxChunkBytes largest chunk; the transfer limit may make it smaller
   * @param maxRequests requests in flight at once; further submitters wait
   * @param rebindTimeout how long requests wait for a replacement controller
   */
  public record Options(String owner, int smallSlots, int bigSlots, int maxChunkBytes,
      int maxRequests, Duration rebindTimeout) {
    /** 64 small and 32 big slots of up to 128 KiB, 256 requests, 30 s to rebind. */
    public static Options defaults() {
      return new Options("disk", 64, 32, 128 << 10, 256, Duration.ofSeconds(30));
    }

    public Options withOwner(String v) {
      return new Options(v, smallSlots, bigSlots, maxChunkBytes, maxRequests, rebindTimeout);
    }

    public Options withSlots(int small, int big) {
      return new Options(owner, small, big, maxChunkBytes, maxRequests, rebindTimeout);
    }

    public Options withMaxChunkBytes(int v) {
      return new Options(owner, smallSlots, bigSlots, v, maxRequests, rebindTimeout);
    }

    public Options withMaxRequests(int v) {
      return new Options(owner, smallSlots, bigSlots, maxChunkBytes, v, rebindTimeout);
    }

    public Options withRebindTimeout(Duration v) {
      return new Options(owner, smallSlots, bigSlots, maxChunkBytes, maxRequests, v);
    }
  }

  /** A step that uses one binding; {@link Stale} means: redo it on the current binding. */
  @FunctionalInterface
  private interface Step<T> {
    T run(Binding b) throws NvmeException, Stale;
  }

  /** The binding a step used was retired while it ran. */
  private static final class Stale extends Exception {
    private static final long serialVersionUID = 1L;

    Stale() {
      super(null, null, false, false);
    }
  }

  private final String name;
  private final String controllerName;
  private final int nsid;
  private final boolean readOnly;
  private final Options options;
  private final Supplier<NvmeController> source;
  private final int blockSize;
  private final int shift;
  private final long mask;
  private final int maxTransferBytes;
  private final int smallSize;
  private final int bigSize;
  private final long poolBytes;

  private final StampedLock gate = new StampedLock();
  private final ArrayBlockingQueue<Op> ops;
  private final ReentrantLock bindLock = new ReentrantLock();
  private final Condition bindChanged = bindLock.newCondition();
  private volatile Binding current;
  /** The controller of the last retired binding: never taken from the source again. */
  private volatile NvmeController refused;
  private volatile boolean closed;
  private volatile long knownBlocks;
  private final AtomicBoolean removed = new AtomicBoolean();
  private final List<BlockDeviceListener> listeners = new CopyOnWriteArrayList<>();
  private final Object sizeLock = new Object();
  private final ExecutorService retries;
  private final Thread watcher;

  /**
   * Opens namespace {@code nsid} of {@code controller} and builds a block device on it.
   *
   * @param name the device name, e.g. {@code nvme0n1}
   * @param source the current controller of this name, asked when a command fails because the
   *     driver was replaced; may return null
   * @throws NvmeException if the namespace cannot be opened or the DMA memory allocated
   */
  public static NvmeBlockDevice open(String name, NvmeController controller, int nsid,
      boolean readOnly, Options options, Supplier<NvmeController> source) throws NvmeException {
    NamespaceHandle h = controller.open(nsid, options.owner());
    try {
      return new NvmeBlockDevice(name, controller, h, readOnly, options, source);
    } catch (NvmeException | RuntimeException e) {
      h.close();
      throw e;
    }
  }

  private NvmeBlockDevice(String name, NvmeController controller, NamespaceHandle h,
      boolean readOnly, Options options, Supplier<NvmeController> source) throws NvmeException {
    this.name = name;
    this.controllerName = controller.name();
    this.nsid = h.nsid();
    this.readOnly = readOnly;
    this.options = options;
    this.source = source != null ? source : () -> null;
    this.blockSize = h.blockSize();
    this.shift = Integer.numberOfTrailingZeros(blockSize);
    this.mask = blockSize - 1L;
    long maxXfer = Math.min((long) h.maxTransferBlocks() * blockSize, 1L << 30);
    this.maxTransferBytes = (int) maxXfer;
    int big = (int) Math.min(maxXfer, Math.max(options.maxChunkBytes(), blockSize));
    big = big / blockSize * blockSize;
    if (blockSize < MemoryBlock.PAGE_SIZE && big >= MemoryBlock.PAGE_SIZE) {
      // Whole pages keep every slot page aligned, so a chunk needs no extra PRP entry.
      big = big / MemoryBlock.PAGE_SIZE * MemoryBlock.PAGE_SIZE;
    }
    this.bigSize = big;
    this.smallSize = Math.min(Math.max(MemoryBlock.PAGE_SIZE, blockSize), big);
    this.poolBytes = BouncePool.bytes(smallSize, options.smallSlots(), bigSize,
        options.bigSlots());
    if (options.smallSlots() < 1 || options.bigSlots() < 1 || options.maxRequests() < 1) {
      throw new IllegalArgumentException("slots and requests must be positive: " + options);
    }
    this.ops = new ArrayBlockingQueue<>(options.maxRequests());
    for (int i = 0; i < options.maxRequests(); i++) {
      ops.add(new Op());
    }
    this.knownBlocks = h.blockCount();
    MemoryBlock memory = controller.allocateBuffer(poolBytes);
    this.current = new Binding(this, controller, h, memory, options, smallSize, bigSize);
    this.retries = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "disk-" + name + "-retry");
      t.setDaemon(true);
      return t;
    });
    this.watcher = new Thread(this::watch, "disk-" + name + "-events");
    watcher.setDaemon(true);
    watcher.start();
    LOG.info("block device opened device={} controller={} nsid={} blockSize={} size={}"
        + " maxTransfer={} chunk={} readOnly={}", name, controllerName, nsid, blockSize, size(),
        maxTransferBytes, bigSize, readOnly);
  }

  // ---------------------------------------------------------------- properties

  @Override
  public String name() {
    return name;
  }

  @Override
  public String controllerName() {
    return controllerName;
  }

  @Override
  public int nsid() {
    return nsid;
  }

  @Override
  public int blockSize() {
    return blockSize;
  }

  @Override
  public long size() {
    Binding b = current;
    long blocks = b != null ? b.handle.blockCount() : knownBlocks;
    return blocks << shift;
  }

  @Override
  public int maxTransferBytes() {
    return maxTransferBytes;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  @Override
  public boolean removed() {
    return removed.get();
  }

  /** The controller the device uses now, or null while it waits for one. */
  public NvmeController controller() {
    Binding b = current;
    return b != null ? b.controller : null;
  }

  /** Bounce slots in use now (for tests: zero when the device is idle). */
  int slotsInUse() {
    Binding b = current;
    return b != null ? b.pool.taken() : 0;
  }

  @Override
  public void addListener(BlockDeviceListener listener) {
    listeners.add(listener);
  }

  @Override
  public void removeListener(BlockDeviceListener listener) {
    listeners.remove(listener);
  }

  @Override
  public String toString() {
    return "NvmeBlockDevice[" + name + " controller=" + controllerName + " nsid=" + nsid
        + (removed.get() ? " removed" : "") + "]";
  }

  // ---------------------------------------------------------------- checks

  private void checkOpen() throws DiskRemovedException {
    if (removed.get()) {
      throw new DiskRemovedException(name, closed ? "device is closed" : "namespace was removed",
          null);
    }
  }

  private void checkWrite(long offset, long length) throws DiskException {
    checkOpen();
    if (readOnly) {
      throw new DiskReadOnlyException(name);
    }
    checkRange(offset, length);
  }

  private void checkRange(long offset, long length) throws DiskRangeException {
    long size = size();
    if (offset < 0 || length < 0 || offset > size - length) {
      throw new DiskRangeException(name, "range offset=" + offset + " length=" + length
          + " is outside the device of " + size + " bytes", null);
    }
  }

  private boolean aligned(long offset, long length) {
    return ((offset | length) & mask) == 0;
  }

  // ---------------------------------------------------------------- reads and aligned writes

  @Override
  public void read(long offset, ByteBuffer dst) throws DiskException {
    checkOpen();
    checkRange(offset, dst.remaining());
    if (dst.remaining() == 0) {
      return;
    }
    Op op = takeOp();
    prepare(op, Op.READ, offset, dst, false, null, 0);
    op.waiter = Thread.currentThread();
    start(op);
    awaitOp(op);
  }

  @Override
  public void write(long offset, ByteBuffer src, boolean fua) throws DiskException {
    checkWrite(offset, src.remaining());
    if (src.remaining() == 0) {
      return;
    }
    if (!aligned(offset, src.remaining())) {
      writeUnaligned(offset, src, fua);
      return;
    }
    Op op = takeOp();
    prepare(op, Op.WRITE, offset, src, fua, null, 0);
    op.waiter = Thread.currentThread();
    op.stamp = gate.readLock();
    start(op);
    awaitOp(op);
  }

  @Override
  public void submitRead(long offset, ByteBuffer dst, DiskCompletion completion, long context) {
    Op op;
    try {
      checkOpen();
      checkRange(offset, dst.remaining());
      if (dst.remaining() == 0) {
        completion.completed(context, null);
        return;
      }
      op = takeOp();
    } catch (DiskException e) {
      completion.completed(context, e);
      return;
    }
    prepare(op, Op.READ, offset, dst, false, completion, context);
    start(op);
  }

  @Override
  public void submitWrite(long offset, ByteBuffer src, boolean fua, DiskCompletion completion,
      long context) {
    Op op;
    try {
      checkWrite(offset, src.remaining());
      if (src.remaining() == 0) {
        completion.completed(context, null);
        return;
      }
      if (!aligned(offset, src.remaining())) {
        writeUnaligned(offset, src, fua);
        completion.completed(context, null);
        return;
      }
      op = takeOp();
    } catch (DiskException e) {
      completion.completed(context, e);
      return;
    }
    prepare(op, Op.WRITE, offset, src, fua, completion, context);
    op.stamp = gate.readLock();
    start(op);
  }

  private Op takeOp() throws DiskIoException {
    Op op = ops.poll();
    if (op != null) {
      return op;
    }
    try {
      return ops.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DiskIoException(name, "interrupted while waiting for a request slot", e);
    }
  }

  private static void prepare(Op op, int kind, long offset, ByteBuffer buffer, boolean fua,
      DiskCompletion completion, long context) {
    op.kind = kind;
    op.offset = offset;
    op.buffer = buffer;
    op.bufferPosition = buffer.position();
    op.length = buffer.remaining();
    op.fua = fua;
    op.completion = completion;
    op.context = context;
  }

  /** Cuts the request into chunks and submits them; returns once all are submitted. */
  private void start(Op op) {
    long first = op.offset & ~mask;
    long end = (op.offset + op.length + mask) & ~mask;
    long span = end - first;
    boolean big = span > smallSize;
    int chunk = big ? bigSize : smallSize;
    int count = (int) ((span + chunk - 1) / chunk);
    op.pending.set(count + 1);
    for (long pos = first; pos < end; pos += chunk) {
      if (op.error.get() != null) {
        // Failed already: the rest is not submitted, and counts as done.
        op.pending.decrementAndGet();
        continue;
      }
      submitChunk(op, pos, (int) Math.min(chunk, end - pos), big, 0);
    }
    partDone(op);
  }

  /** Submits one chunk on the current binding; on failure, fails the request's part. */
  private void submitChunk(Op op, long pos, int length, boolean big, int attempts) {
    while (true) {
      Binding b;
      Slot s;
      try {
        b = awaitBinding(null);
        s = b.pool.acquire(big);
      } catch (DiskException e) {
        op.fail(e);
        partDone(op);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        op.fail(new DiskIoException(name, "interrupted while waiting for a DMA buffer", e));
        partDone(op);
        return;
      }
      if (s == null) {
        continue; // the binding was retired meanwhile
      }
      s.op = op;
      s.devPos = pos;
      s.length = length;
      s.attempts = attempts;
      long lba = pos >>> shift;
      int blocks = length >>> shift;
      if (op.kind == Op.WRITE) {
        if (!b.enter()) {
          b.pool.release(s);
          continue;
        }
        try {
          // Aligned writes only: the chunk is a slice of the caller's buffer.
          b.pool.block.buffer().put((int) s.offset, op.buffer,
              op.bufferPosition + (int) (pos - op.offset), length);
        } finally {
          b.exit();
        }
        b.handle.submitWrite(-1, lba, blocks, b.pool.block, s.offset, op.fua, b.pool, s.index);
      } else {
        b.handle.submitRead(-1, lba, blocks, b.pool.block, s.offset, b.pool, s.index);
      }
      return;
    }
  }

  /** A chunk's command ended (called by its pool, on a driver completion thread). */
  void chunkDone(Slot s, NvmeException err) {
    Op op = s.op;
    BouncePool pool = s.pool;
    Binding b = pool.binding;
    boolean stale = false;
    if (err == null && op.kind == Op.READ) {
      if (b.enter()) {
        try {
          long start = Math.max(s.devPos, op.offset);
          long end = Math.min(s.devPos + s.length, op.offset + op.length);
          op.buffer.put(op.bufferPosition + (int) (start - op.offset), pool.block.buffer(),
              (int) (s.offset + start - s.devPos), (int) (end - start));
        } finally {
          b.exit();
        }
      } else {
        stale = true;
      }
    }
    if (err == null && !stale) {
      pool.release(s);
      partDone(op);
      return;
    }
    if ((stale || retryable(err, b)) && s.attempts < MAX_ATTEMPTS && !closed) {
      long pos = s.devPos;
      int length = s.length;
      boolean big = s.big;
      int next = s.attempts + 1;
      pool.release(s);
      retry(op, pos, length, big, next, b);
      return;
    }
    op.fail(err != null ? translate(err)
        : closed ? new DiskRemovedException(name, "device is closed", null)
        : new DiskIoException(name, "gave up after " + MAX_ATTEMPTS
            + " controller replacements", null));
    if (err instanceof CommandTimeoutException) {
      // The device may still write into the slot; it is never handed out again.
      LOG.warn("command timed out; its DMA buffer is kept out of use device={}", name);
    } else {
      pool.release(s);
    }
    partDone(op);
  }

  private void retry(Op op, long pos, int length, boolean big, int attempts, Binding failed) {
    try {
      retries.execute(() -> {
        try {
          awaitBinding(failed);
        } catch (DiskException e) {
          op.fail(e);
          partDone(op);
          return;
        }
        submitChunk(op, pos, length, big, attempts);
      });
    } catch (RejectedExecutionException e) {
      op.fail(new DiskRemovedException(name, "device is closed", null));
      partDone(op);
    }
  }

  private void partDone(Op op) {
    if (op.pending.decrementAndGet() != 0) {
      return;
    }
    if (op.stamp != 0) {
      gate.unlockRead(op.stamp);
      op.stamp = 0;
    }
    DiskCompletion c = op.completion;
    if (c == null) {
      Thread w = op.waiter;
      op.done = true;
      LockSupport.unpark(w);
      return;
    }
    long context = op.context;
    DiskException e = op.error.get();
    op.clear();
    ops.offer(op);
    try {
      c.completed(context, e);
    } catch (RuntimeException ex) {
      LOG.error("completion threw device={}", name, ex);
    }
  }

  /** Parks until a synchronous request is done; recycles it; throws its failure. */
  private void awaitOp(Op op) throws DiskException {
    boolean interrupted = false;
    while (!op.done) {
      LockSupport.park(this);
      // Commands cannot be cancelled, and every one has a timeout: keep waiting.
      interrupted |= Thread.interrupted();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    DiskException e = op.error.get();
    op.clear();
    ops.offer(op);
    if (e != null) {
      throw e;
    }
  }

  // ---------------------------------------------------------------- read-modify-write, zeroes

  private void writeUnaligned(long offset, ByteBuffer src, boolean fua) throws DiskException {
    int pos = src.position();
    long stamp = gate.writeLock();
    try {
      writeRange(offset, offset + src.remaining(), src, pos, fua);
    } finally {
      gate.unlockWrite(stamp);
    }
  }

  /**
   * Writes bytes [{@code start}, {@code end}) synchronously: partial blocks at either end by
   * read-modify-write, whole blocks directly. {@code src} null writes zeroes (Write Zeroes for
   * whole blocks). The caller holds the gate.
   */
  private void writeRange(long start, long end, ByteBuffer src, int srcPos, boolean fua)
      throws DiskException {
    long head = start & ~mask;
    long tail = (end - 1) & ~mask;
    if (head == tail && ((start | end) & mask) != 0) {
      patchBlock(head, (int) (start - head), (int) (end - head), src, srcPos, fua);
      return;
    }
    long whole = start;
    long wholeEnd = end;
    if ((start & mask) != 0) {
      patchBlock(head, (int) (start - head), blockSize, src, srcPos, fua);
      whole = head + blockSize;
    }
    if ((end & mask) != 0) {
      patchBlock(tail, 0, (int) (end - tail), src, srcPos + (int) (tail - start), fua);
      wholeEnd = tail;
    }
    if (wholeEnd > whole) {
      if (src == null) {
        zeroBlocks(whole, wholeEnd);
      } else {
        writeBlocks(whole, wholeEnd, src, srcPos + (int) (whole - start), fua);
      }
    }
  }

  /** Reads one block, replaces bytes [{@code from}, {@code to}) and writes it back. */
  private void patchBlock(long blockPos, int from, int to, ByteBuffer src, int srcIndex,
      boolean fua) throws DiskException {
    long lba = blockPos >>> shift;
    withBinding(b -> {
      Slot s = acquire(b, false);
      boolean release = true;
      try {
        b.handle.read(lba, 1, b.pool.block, s.offset);
        if (!b.enter()) {
          throw new Stale();
        }
        try {
          if (src == null) {
            b.pool.block.zero(s.offset + from, to - from);
          } else {
            b.pool.block.buffer().put((int) s.offset + from, src, srcIndex, to - from);
          }
        } finally {
          b.exit();
        }
        b.handle.write(lba, 1, b.pool.block, s.offset, fua);
      } catch (CommandTimeoutException e) {
        release = false; // the device may still write into the slot
        throw e;
      } finally {
        if (release) {
          b.pool.release(s);
        }
      }
      return null;
    });
  }

  /** Writes whole blocks [{@code start}, {@code end}) from {@code src} synchronously. */
  private void writeBlocks(long start, long end, ByteBuffer src, int srcPos, boolean fua)
      throws DiskException {
    for (long pos = start; pos < end; pos += bigSize) {
      int length = (int) Math.min(bigSize, end - pos);
      int from = srcPos + (int) (pos - start);
      long p = pos;
      withBinding(b -> {
        Slot s = acquire(b, true);
        boolean release = true;
        try {
          if (!b.enter()) {
            throw new Stale();
          }
          try {
            b.pool.block.buffer().put((int) s.offset, src, from, length);
          } finally {
            b.exit();
          }
          b.handle.write(p >>> shift, length >>> shift, b.pool.block, s.offset, fua);
        } catch (CommandTimeoutException e) {
          release = false;
          throw e;
        } finally {
          if (release) {
            b.pool.release(s);
          }
        }
        return null;
      });
    }
  }

  private void zeroBlocks(long start, long end) throws DiskException {
    for (long lba = start >>> shift; lba < end >>> shift; lba += MAX_ZEROES_BLOCKS) {
      long l = lba;
      int blocks = (int) Math.min(MAX_ZEROES_BLOCKS, (end >>> shift) - lba);
      withBinding(b -> {
        b.handle.writeZeroes(l, blocks);
        return null;
      });
    }
  }

  private Slot acquire(Binding b, boolean big) throws Stale, NvmeException {
    try {
      Slot s = b.pool.acquire(big);
      if (s == null) {
        throw new Stale();
      }
      return s;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandTimeoutException("interrupted while waiting for a DMA buffer device="
          + name);
    }
  }

  @Override
  public void writeZeroes(long offset, long length, boolean fua) throws DiskException {
    checkWrite(offset, length);
    if (length == 0) {
      return;
    }
    long stamp = aligned(offset, length) ? gate.readLock() : gate.writeLock();
    try {
      writeRange(offset, offset + length, null, 0, fua);
    } finally {
      gate.unlock(stamp);
    }
    if (fua) {
      // Write Zeroes goes without FUA through the handle: flush instead.
      flush();
    }
  }

  @Override
  public void discard(long offset, long length) throws DiskException {
    checkWrite(offset, length);
    long start = (offset + mask) & ~mask;
    long end = (offset + length) & ~mask;
    if (end <= start) {
      return; // no whole block inside: nothing to deallocate
    }
    long stamp = gate.readLock();
    try {
      for (long lba = start >>> shift; lba < end >>> shift; lba += MAX_DEALLOCATE_BLOCKS) {
        long l = lba;
        long blocks = Math.min(MAX_DEALLOCATE_BLOCKS, (end >>> shift) - lba);
        withBinding(b -> {
          b.handle.deallocate(l, blocks);
          return null;
        });
      }
    } finally {
      gate.unlockRead(stamp);
    }
  }

  @Override
  public void flush() throws DiskException {
    checkOpen();
    withBinding(b -> {
      b.handle.flush();
      return null;
    });
  }

  /** Runs a step on the current binding, again on a new one if the binding went stale. */
  private <T> T withBinding(Step<T> step) throws DiskException {
    Binding stale = null;
    NvmeException last = null;
    for (int attempt = 0; attempt <= MAX_ATTEMPTS; attempt++) {
      Binding b = awaitBinding(stale);
      try {
        return step.run(b);
      } catch (Stale e) {
        stale = b;
      } catch (NvmeException e) {
        if (!retryable(e, b)) {
          throw translate(e);
        }
        last = e;
        stale = b;
      }
    }
    throw new DiskIoException(name, "gave up after " + MAX_ATTEMPTS
        + " controller replacements", last);
  }

  // ---------------------------------------------------------------- bindings

  private boolean retryable(NvmeException e, Binding b) {
    if (closed) {
      return false;
    }
    return b != current || b.retired()
        || e instanceof ControllerFailedException f
            && f.reason() == ControllerFailedException.Reason.SERVICED;
  }

  private DiskException translate(NvmeException e) {
    if (e instanceof NamespaceException n) {
      switch (n.reason()) {
        case REMOVED, NOT_FOUND -> {
          markRemoved("namespace was removed");
          return new DiskRemovedException(name, "namespace was removed", e);
        }
        case CLOSED -> {
          return new DiskRemovedException(name, "device is closed", e);
        }
        default -> {
          return new DiskIoException(name, e.getMessage(), e);
        }
      }
    }
    if (e instanceof InvalidRequestException) {
      return new DiskRangeException(name, e.getMessage(), e);
    }
    return new DiskIoException(name, e.getMessage(), e);
  }

  /**
   * The current binding, if it is not {@code stale}; otherwise waits for a new one (from
   * {@link #attach} or the source) for up to the rebind timeout.
   */
  private Binding awaitBinding(Binding stale) throws DiskException {
    Binding b = current;
    if (b != null && b != stale) {
      return b;
    }
    long deadline = System.nanoTime() + options.rebindTimeout().toNanos();
    bindLock.lock();
    try {
      while (true) {
        if (closed || removed.get()) {
          throw new DiskRemovedException(name, closed ? "device is closed"
              : "namespace was removed", null);
        }
        b = current;
        if (b != null && b != stale) {
          return b;
        }
        NvmeController c = source.get();
        if (c != null && c != refused && (b == null || c != b.controller)) {
          try {
            attach(c);
            continue;
          } catch (NvmeException e) {
            LOG.warn("cannot attach to the replacement controller device={} controller={}: {}",
                name, controllerName, e.getMessage());
            refused = c;
          }
        }
        long rem = deadline - System.nanoTime();
        if (rem <= 0) {
          throw new DiskIoException(name, "no usable controller " + controllerName + " within "
              + options.rebindTimeout().toMillis() + " ms", null);
        }
        // attach() signals; the bound keeps the source polled (it does not signal).
        bindChanged.awaitNanos(Math.min(rem, TimeUnit.MILLISECONDS.toNanos(50)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DiskIoException(name, "interrupted while waiting for controller "
          + controllerName, e);
    } finally {
      bindLock.unlock();
    }
  }

  /**
   * Moves the device to {@code controller} (the same controller name after the driver was
   * replaced): opens the namespace there and allocates DMA memory, then retires the old binding.
   * Requests waiting for a controller go on. Does nothing if the device already uses it.
   *
   * @throws NvmeException if the namespace cannot be opened there or differs in block size
   */
  public void attach(NvmeController controller) throws NvmeException {
    long blocks;
    bindLock.lock();
    try {
      if (closed) {
        return;
      }
      Binding old = current;
      if (old != null && old.controller == controller) {
        return;
      }
      NamespaceHandle h = controller.open(nsid, options.owner());
      Binding nb;
      try {
        if (h.blockSize() != blockSize) {
          throw new InvalidRequestException("namespace has " + h.blockSize()
              + "-byte blocks on the new controller, " + blockSize + " before device=" + name);
        }
        if ((long) h.maxTransferBlocks() * blockSize < bigSize) {
          throw new InvalidRequestException("transfer limit of the new controller is below the"
              + " chunk size " + bigSize + " device=" + name);
        }
        nb = new Binding(this, controller, h, controller.allocateBuffer(poolBytes), options,
            smallSize, bigSize);
      } catch (NvmeException | RuntimeException e) {
        h.close();
        throw e;
      }
      current = nb;
      blocks = h.blockCount();
      bindChanged.signalAll();
      if (old != null) {
        refused = old.controller;
        old.retire();
      }
    } finally {
      bindLock.unlock();
    }
    LOG.info("block device attached device={} controller={} nsid={}", name, controllerName,
        nsid);
    publishSize(blocks);
  }

  /**
   * The controller is going away (its service is unregistered): stop using its memory now, and
   * let requests wait for a replacement. Does nothing if the device uses another controller.
   */
  public void detach(NvmeController controller) {
    bindLock.lock();
    try {
      Binding old = current;
      if (old == null || old.controller != controller) {
        return;
      }
      current = null;
      refused = controller;
      old.retire();
    } finally {
      bindLock.unlock();
    }
    LOG.info("block device detached, waiting for controller device={} controller={}", name,
        controllerName);
  }

  // ---------------------------------------------------------------- events and close

  /** Watches the namespace for size changes and removal (the driver's awaitResize). */
  private void watch() {
    while (!closed) {
      Binding b = current;
      try {
        if (b == null) {
          awaitAnyBinding();
          continue;
        }
        long now = b.handle.awaitResize(knownBlocks, Duration.ofSeconds(1));
        if (b == current) {
          publishSize(now);
        }
      } catch (NamespaceException e) {
        if (b == current && !closed) {
          if (e.reason() == NamespaceException.Reason.REMOVED) {
            markRemoved("namespace was removed");
            return;
          }
          // A handle that is closed but still current: the binding is about to change.
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void awaitAnyBinding() throws InterruptedException {
    bindLock.lock();
    try {
      if (current == null && !closed) {
        bindChanged.await(1, TimeUnit.SECONDS);
      }
    } finally {
      bindLock.unlock();
    }
  }

  private void publishSize(long blocks) {
    long old;
    synchronized (sizeLock) {
      old = knownBlocks;
      if (old == blocks) {
        return;
      }
      knownBlocks = blocks;
    }
    LOG.info("block device resized device={} oldSize={} newSize={}", name, old << shift,
        blocks << shift);
    for (BlockDeviceListener l : listeners) {
      try {
        l.resized(this, old << shift, blocks << shift);
      } catch (RuntimeException e) {
        LOG.error("listener threw device={}", name, e);
      }
    }
  }

  private void markRemoved(String why) {
    if (!removed.compareAndSet(false, true)) {
      return;
    }
    if (closed) {
      LOG.info("block device closed device={}", name);
    } else {
      LOG.warn("block device removed device={}: {}", name, why);
    }
    bindLock.lock();
    try {
      bindChanged.signalAll();
    } finally {
      bindLock.unlock();
    }
    for (BlockDeviceListener l : listeners) {
      try {
        l.removed(this);
      } catch (RuntimeException e) {
        LOG.error("listener threw device={}", name, e);
      }
    }
  }

  /**
   * Closes the device: every request from now on fails with {@link DiskRemovedException}, the
   * namespace handle is released and the DMA memory goes back once commands in flight are done.
   * Closing twice has no effect.
   */
  @Override
  public void close() {
    bindLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      Binding b = current;
      current = null;
      bindChanged.signalAll();
      if (b != null) {
        b.retire();
      }
    } finally {
      bindLock.unlock();
    }
    watcher.interrupt();
    retries.shutdown();
    markRemoved("device closed");
  }

  /**
   * Lends the namespace handle this device holds, for tools that would otherwise have to open
   * the namespace themselves (which its single-owner rule refuses).
   *
   * @throws io.jnvme.driver.NamespaceException CLOSED while no controller is bound
   */
  public <T> T lend(io.jnvme.driver.NamespaceLender.Task<T> task)
      throws io.jnvme.driver.NvmeException {
    Binding b = current;
    if (b == null) {
      throw new io.jnvme.driver.NamespaceException("block device " + name()
          + " has no controller bound", io.jnvme.driver.NamespaceException.Reason.CLOSED, nsid());
    }
    return task.run(b.handle);
  }
}
