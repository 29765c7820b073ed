package io.jnvme.driver.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.CommandTimeoutException;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.InvalidRequestException;
import io.jnvme.driver.IoCompletion;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.NvmeStatusException;
import io.jnvme.driver.ResourceException;
import io.jnvme.spec.Cqe;
import io.jnvme.spec.Sqe;
import io.jnvme.spec.Status;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A submission queue and its completion queue, with the preallocated command slots and PRP list
 * pages that commands on it use.
 *
 * <p>Submission: any thread, under this queue's lock (one lock per queue, never a global one):
 * take a free slot, write the 64-byte entry into the ring, advance the tail; then, after the lock
 * is let go, write the doorbell after a release fence (see {@link #ringSq()}). Completion: only the queue's interrupt worker thread reads the
 * completion ring, so the head and phase need no lock. Slot state changes race between the worker
 * (completion, failure), a synchronous waiter (its timeout) and nobody else; they are resolved by
 * compare-and-set on {@link Slot#state}.
 *
 * <p>Nothing on the I/O path allocates: slots, the entry views and the PRP pages are made once.
 */
final class QueuePair {
  private static final Logger LOG = LoggerFactory.getLogger(QueuePair.class);
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Slot.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final int PAGE = MemoryBlock.PAGE_SIZE;
  private static final int ASYNC_EVENT_REQUEST = io.jnvme.spec.AdminOpcode.ASYNC_EVENT_REQUEST.raw();
  /** PRP entries per list page: 4096 / 8. When a list continues, the last entry chains. */
  private static final int PRP_ENTRIES_PER_PAGE = PAGE / 8;

  final Controller ctrl;
  final int qid;
  final int cpu;
  final int vector;
  final int entries;
  final QueueMemory memory;
  private final Registers regs;
  private final int sqDoorbell;
  private final int cqDoorbell;
  private final long timeoutNanos;

  private final Slot[] slots;
  private final int indexBits;
  private final int indexMask;
  private final int generationMask;
  private final int prpPagesPerSlot;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition slotFreed = lock.newCondition();
  private final int[] freeStack;
  private int freeTop;
  private int sqTail;
  /** {@link #sqTail} for the doorbell writer: written under the lock after the entry. */
  private volatile int sqTailPublished;
  /** The tail the SQ doorbell was written with last; guarded by {@link #doorbellLock}. */
  private int sqTailRung;
  /**
   * Serialises doorbell writes, apart from {@link #lock}: ringing can be slow (the emulated device
   * wakes its thread, QEMU's takes a socket write), and held under the queue lock it made the
   * completion thread, which takes that lock to free every slot, wait and switch out.
   */
  private final ReentrantLock doorbellLock = new ReentrantLock();
  private volatile int sqHead;
  private boolean doorbellPending;
  private volatile int waitingSubmitters;
  private final Sqe sqe = new Sqe();

  /** The interrupt worker thread that owns the completion side. */
  volatile Thread worker;
  private int cqHead;
  private boolean phase = true;
  private long nextTimeoutScan;

  /** Set first when the controller fails: no new commands; outstanding ones still pending. */
  private volatile ControllerFailedException refused;
  /** Set once the device can no longer touch this queue's memory: outstanding commands fail. */
  private volatile ControllerFailedException dead;
  private boolean deadHandled;
  /** Set while the controller is being saved: new commands wait. Guarded by {@link #lock}. */
  private boolean paused;
  private volatile long completed;

  QueuePair(Controller ctrl, int qid, int cpu, int vector, QueueMemory memory, Registers regs,
      long timeoutNanos) {
    this.ctrl = ctrl;
    this.qid = qid;
    this.cpu = cpu;
    this.vector = vector;
    this.memory = memory;
    this.entries = memory.entries();
    this.regs = regs;
    this.sqDoorbell = regs.sqTailDoorbell(qid);
    this.cqDoorbell = regs.cqHeadDoorbell(qid);
    this.timeoutNanos = timeoutNanos;
    this.prpPagesPerSlot = memory.prpPagesPerSlot();
    // One entry of the ring stays empty so that a full ring is told apart from an empty one.
    int n = entries - 1;
    this.slots = new Slot[n];
    this.freeStack = new int[n];
    for (int i = 0; i < n; i++) {
      slots[i] = new Slot(i, (long) i * prpPagesPerSlot * PAGE);
      freeStack[i] = n - 1 - i;
    }
    this.freeTop = n;
    this.indexBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(n - 1));
    this.indexMask = (1 << indexBits) - 1;
    this.generationMask = (1 << (16 - indexBits)) - 1;
  }

  /**
   * Rebuilds a queue pair from its saved state: the rings continue at the saved indices, and each
   * command the device still owes is outstanding again in its original slot, so its completion
   * lands where it belongs.
   *
   * @param pendingCompletion what each restored pending command completes into
   */
  QueuePair(Controller ctrl, io.jnvme.driver.savestate.QueueState st, QueueMemory memory,
      Registers regs, long timeoutNanos,
      java.util.function.IntFunction<IoCompletion> pendingCompletion) {
    this(ctrl, st.qid(), st.cpu(), st.vector(), memory, regs, timeoutNanos);
    this.sqTail = st.sqTail();
    // The device was told of this tail before the save.
    this.sqTailPublished = sqTail;
    this.sqTailRung = sqTail;
    this.sqHead = st.sqHead();
    this.cqHead = st.cqHead();
    this.phase = st.phase();
    int[] gens = st.generations();
    for (int i = 0; i < slots.length && i < gens.length; i++) {
      slots[i].generation = gens[i] & generationMask;
    }
    boolean[] busy = new boolean[slots.length];
    long deadline = System.nanoTime() + timeoutNanos;
    for (io.jnvme.driver.savestate.PendingCommand p : st.pending()) {
      int index = p.cid() & indexMask;
      if (index >= slots.length) {
        throw new IllegalArgumentException("saved cid " + p.cid() + " outside " + slots.length
            + " slots qid=" + qid);
      }
      Slot sl = slots[index];
      sl.cid = p.cid();
      sl.generation = p.cid() >>> indexBits;
      sl.opcode = p.opcode();
      sl.nsid = p.nsid();
      sl.completion = pendingCompletion.apply(p.opcode());
      sl.context = p.cid();
      sl.waiter = null;
      sl.deadlineNanos = deadline;
      sl.state = Slot.INFLIGHT;
      busy[index] = true;
    }
    int top = 0;
    for (int i = slots.length - 1; i >= 0; i--) {
      if (!busy[i]) {
        freeStack[top++] = i;
      }
    }
    this.freeTop = top;
  }

  /** Largest transfer one command on this queue can describe with its PRP pages. */
  static long maxTransferFor(int prpPagesPerSlot) {
    // Entries in chained list pages, plus PRP1's page.
    long listEntries = (long) prpPagesPerSlot * (PRP_ENTRIES_PER_PAGE - 1) + 1;
    return (listEntries + 1) * PAGE - PAGE;
  }

  /** PRP list pages each slot needs so that a transfer of {@code maxTransfer} bytes never truncates. */
  static int prpPagesFor(long maxTransfer) {
    // An unaligned buffer touches one page more than its length suggests.
    long pages = (maxTransfer + PAGE - 1) / PAGE + 1;
    long listEntries = pages - 1;
    // p pages hold p * 511 + 1 entries: each full page but the last gives one entry to the chain.
    return (int) Math.max(1, (listEntries - 1 + PRP_ENTRIES_PER_PAGE - 2) / (PRP_ENTRIES_PER_PAGE - 1));
  }

  // ---------------------------------------------------------------- submission

  /**
   * Runs one command and waits for it; returns completion dword 0.
   *
   * @param data buffer for the data pointer, or null
   */
  int execute(int opcode, int nsid, int cdw10, int cdw11, int cdw12, int cdw13, int cdw14,
      int cdw15, MemoryBlock data, long offset, long length) throws NvmeException {
    Slot s = acquireForCaller();
    submit(s, opcode, nsid, cdw10, cdw11, cdw12, cdw13, cdw14, cdw15, data, offset, length);
    return await(s);
  }

  /**
   * Submits one command; {@code completion} is called exactly once, possibly before this returns
   * (when the queue is unusable).
   */
  void submitAsync(int opcode, int nsid, int cdw10, int cdw11, int cdw12, int cdw13, int cdw14,
      int cdw15, MemoryBlock data, long offset, long length, IoCompletion completion,
      long context) {
    Slot s;
    try {
      // The worker cannot wait for a slot: only it can free one.
      s = acquire(Thread.currentThread() != worker);
    } catch (NvmeException e) {
      deliver(completion, context, e);
      return;
    }
    s.completion = completion;
    s.context = context;
    s.waiter = null;
    try {
      submit(s, opcode, nsid, cdw10, cdw11, cdw12, cdw13, cdw14, cdw15, data, offset, length);
    } catch (NvmeException e) {
      deliver(completion, context, e);
    }
  }

  /**
   * A slot for a synchronous command, whose caller parks on it. Never on the completion thread: it
   * would wait for a completion that only it can reap.
   */
  private Slot acquireForCaller() throws NvmeException {
    if (Thread.currentThread() == worker) {
      throw new InvalidRequestException("a synchronous command cannot be issued from a completion"
          + " callback controller=" + ctrl.name() + " qid=" + qid);
    }
    Slot s = acquire(true);
    s.completion = null;
    s.waiter = Thread.currentThread();
    s.done = false;
    return s;
  }

  private Slot acquire(boolean mayWait) throws NvmeException {
    if (qid != 0 && ctrl.draining()) {
      // Drain barrier after a restore: no new I/O until every command issued before the save
      // has completed, so a retried write can never be overwritten by its stale original.
      if (!mayWait) {
        throw new ResourceException("queue is draining commands from before servicing controller="
            + ctrl.name() + " qid=" + qid, null);
      }
      ctrl.awaitDrain(timeoutNanos);
    }
    lock.lock();
    try {
      long deadline = 0;
      while (true) {
        ControllerFailedException d = refused;
        if (d != null) {
          throw d;
        }
        if (!paused && freeTop > 0 && ((sqTail + 1) % entries) != sqHead) {
          Slot s = slots[freeStack[--freeTop]];
          int gen = (s.generation + 1) & generationMask;
          int cid = (gen << indexBits) | s.index;
          if (cid == 0xFFFF) {
            // 0xFFFF means "no command" in the error log; never use it as an identifier.
            gen = (gen + 1) & generationMask;
            cid = (gen << indexBits) | s.index;
          }
          s.generation = gen;
          s.cid = cid;
          return s;
        }
        if (!mayWait) {
          throw new ResourceException("queue full controller=" + ctrl.name() + " qid=" + qid, null);
        }
        if (deadline == 0) {
          deadline = System.nanoTime() + timeoutNanos;
        }
        long rem = deadline - System.nanoTime();
        if (rem <= 0) {
          throw new CommandTimeoutException("no free command slot within the timeout controller="
              + ctrl.name() + " qid=" + qid);
        }
        waitingSubmitters++;
        try {
          slotFreed.awaitNanos(Math.min(rem, TimeUnit.MILLISECONDS.toNanos(50)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CommandTimeoutException("interrupted while waiting for a command slot controller="
              + ctrl.name() + " qid=" + qid);
        } finally {
          waitingSubmitters--;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void submit(Slot s, int opcode, int nsid, int cdw10, int cdw11, int cdw12, int cdw13,
      int cdw14, int cdw15, MemoryBlock data, long offset, long length) throws NvmeException {
    submit(s, opcode, nsid, cdw10, cdw11, cdw12, cdw13, cdw14, cdw15, data, offset, length, 0L,
        false);
  }

  /**
   * Writes the entry and rings. {@code rawPrp1} is used when there is no data buffer (queue
   * creation points PRP1 at a ring); {@code slotPage} makes the slot's own first PRP page the data
   * buffer (Dataset Management ranges).
   */
  private void submit(Slot s, int opcode, int nsid, int cdw10, int cdw11, int cdw12, int cdw13,
      int cdw14, int cdw15, MemoryBlock data, long offset, long length, long rawPrp1,
      boolean slotPage) throws NvmeException {
    boolean ring = false;
    lock.lock();
    try {
      ControllerFailedException d = refused;
      if (d != null) {
        release(s);
        throw d;
      }
      int slotOffset = sqTail * io.jnvme.spec.Sqe.SIZE;
      // SAFETY: the ring slot at the tail is not owned by the device: the device only reads
      // entries between head and tail, and the tail has not been advanced over this one yet.
      sqe.wrap(memory.sq().buffer(), slotOffset);
      sqe.clear();
      sqe.opcode(opcode).cid(s.cid).nsid(nsid);
      sqe.cdw10(cdw10).cdw11(cdw11).cdw12(cdw12).cdw13(cdw13).cdw14(cdw14).cdw15(cdw15);
      if (slotPage) {
        sqe.prp1(memory.prp().deviceAddressOf(s.prpOffset));
      } else if (data == null) {
        sqe.prp1(rawPrp1);
      } else if (length > 0) {
        if (!buildPrps(s, data, offset, length)) {
          release(s);
          throw new InvalidRequestException("transfer of " + length + " bytes exceeds the PRP"
              + " capacity of a command controller=" + ctrl.name() + " qid=" + qid);
        }
      }
      s.opcode = opcode;
      s.nsid = nsid;
      s.deadlineNanos = System.nanoTime() + timeoutNanos;
      s.state = Slot.INFLIGHT;
      sqTail = (sqTail + 1) % entries;
      sqTailPublished = sqTail;
      if (Thread.currentThread() == worker) {
        // Batching: the worker is completing a batch and its callbacks are submitting; one
        // doorbell write after the batch announces all of them.
        doorbellPending = true;
      } else {
        ring = true;
      }
    } finally {
      lock.unlock();
    }
    if (ring) {
      ringSq();
    }
  }

  /**
   * Writes the SQ tail doorbell with the newest published tail, unless it was written with it
   * already (another submitter's ring covered this entry too) or the queue is dead. Never called
   * with {@link #lock} held, except by {@link #pause()}; it never takes that lock itself.
   *
   * <p>Reading the tail and writing it happen under {@link #doorbellLock}, so the device sees the
   * tail only move forward even when submitters ring in another order than they advanced it.
   */
  private void ringSq() {
    doorbellLock.lock();
    try {
      // Volatile read: every entry up to this tail was written before it was published.
      int tail = sqTailPublished;
      if (tail == sqTailRung || dead != null) {
        return;
      }
      // Release fence: the entries (and PRP lists) must be visible to the device before it can
      // see the new tail, or it could fetch a stale entry.
      MemoryBlock.releaseFence();
      regs.doorbell(sqDoorbell, tail);
      sqTailRung = tail;
    } finally {
      doorbellLock.unlock();
    }
  }

  /**
   * Fills PRP1/PRP2 and, if needed, the slot's PRP list pages. Returns false if the transfer
   * needs more list pages than a slot has; the caller refuses it rather than truncate.
   */
  private boolean buildPrps(Slot s, MemoryBlock buf, long offset, long length) {
    long first = buf.deviceAddressOf(offset);
    sqe.prp1(first);
    long firstLen = PAGE - (first & (PAGE - 1));
    if (length <= firstLen) {
      return true;
    }
    long pos = offset + firstLen;
    long rest = length - firstLen;
    int pages = (int) ((rest + PAGE - 1) / PAGE);
    if (pages == 1) {
      sqe.prp2(buf.deviceAddressOf(pos));
      return true;
    }
    MemoryBlock prp = memory.prp();
    long base = s.prpOffset;
    int listPage = 0;
    int index = 0;
    sqe.prp2(prp.deviceAddressOf(base));
    for (int i = 0; i < pages; i++) {
      if (index == PRP_ENTRIES_PER_PAGE - 1 && pages - i > 1) {
        // The list continues: the last entry of this page points to the next list page.
        if (listPage + 1 >= prpPagesPerSlot) {
          return false;
        }
        long next = base + (long) (listPage + 1) * PAGE;
        // SAFETY: the slot's PRP pages belong to this slot until its command completes.
        prp.putLong(base + (long) listPage * PAGE + (long) index * 8, prp.deviceAddressOf(next));
        listPage++;
        index = 0;
      }
      // SAFETY: as above; the device reads these only after the doorbell.
      prp.putLong(base + (long) listPage * PAGE + (long) index * 8,
          buf.deviceAddressOf(pos + (long) i * PAGE));
      index++;
    }
    return true;
  }

  /** Runs a command whose PRP1 points at memory the caller set up (a queue ring). */
  int executeWithPrp1(int opcode, int nsid, int cdw10, int cdw11, long prp1)
      throws NvmeException {
    Slot s = acquireForCaller();
    submit(s, opcode, nsid, cdw10, cdw11, 0, 0, 0, 0, null, 0, 0, prp1, false);
    return await(s);
  }

  /**
   * Dataset Management with the Deallocate attribute over one LBA range, split into as many
   * 16-byte ranges (of at most 2^32 - 1 blocks) as it takes. The ranges are written into the
   * slot's own first PRP page, which is free because the command has no other data.
   */
  void executeDeallocate(int nsid, long lba, long blocks) throws NvmeException {
    long maxPerRange = 0xFFFF_FFFFL;
    long ranges = (blocks + maxPerRange - 1) / maxPerRange;
    if (ranges > io.jnvme.spec.DsmRange.MAX_RANGES) {
      throw new InvalidRequestException("deallocate of " + blocks + " blocks needs more than "
          + io.jnvme.spec.DsmRange.MAX_RANGES + " ranges");
    }
    Slot s = acquireForCaller();
    MemoryBlock page = memory.prp();
    long at = s.prpOffset;
    long left = blocks;
    long next = lba;
    for (int r = 0; r < ranges; r++) {
      long n = Math.min(left, maxPerRange);
      // SAFETY: the slot's PRP page is owned by this slot until its command completes.
      page.putInt(at + r * 16L, 0);
      page.putInt(at + r * 16L + 4, (int) n);
      page.putLong(at + r * 16L + 8, next);
      next += n;
      left -= n;
    }
    submit(s, io.jnvme.spec.NvmOpcode.DATASET_MANAGEMENT.raw(), nsid, (int) (ranges - 1),
        io.jnvme.spec.DsmRange.CDW11_AD, 0, 0, 0, 0, null, 0, 0, 0L, true);
    await(s);
  }

  private int await(Slot s) throws NvmeException {
    boolean interrupted = false;
    try {
      while (!s.done) {
        long rem = s.deadlineNanos - System.nanoTime();
        if (rem <= 0) {
          if (STATE.compareAndSet(s, Slot.INFLIGHT, Slot.TIMED_OUT)) {
            // The slot stays reserved: the device may still complete the command, and its
            // completion must not be taken for a later command's.
            ctrl.onCommandTimeout(this, s.cid, s.opcode);
            throw new CommandTimeoutException("command timed out controller=" + ctrl.name()
                + " qid=" + qid + " cid=" + s.cid + " opcode=0x" + Integer.toHexString(s.opcode)
                + " nsid=" + s.nsid + " timeoutMs=" + TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
          }
          // Lost the race to the completion: it sets done in a moment.
          Thread.onSpinWait();
          continue;
        }
        LockSupport.parkNanos(this, rem);
        if (Thread.interrupted()) {
          // The command cannot be cancelled on the device; keep waiting, report the interrupt.
          interrupted = true;
        }
      }
      int status = s.resultStatus;
      int dw0 = s.resultDw0;
      NvmeException error = s.resultError;
      int opcode = s.opcode;
      release(s);
      if (error != null) {
        throw error;
      }
      if ((status & 0x7FF) != 0) {
        throw new NvmeStatusException("command failed controller=" + ctrl.name() + " qid=" + qid,
            new Status(status), opcode, qid == 0);
      }
      return dw0;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void release(Slot s) {
    lock.lock();
    try {
      s.completion = null;
      s.waiter = null;
      s.resultError = null;
      s.state = Slot.FREE;
      freeStack[freeTop++] = s.index;
      if (waitingSubmitters > 0) {
        slotFreed.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops new submissions (they wait) and makes sure the device was told of every entry already
   * written. Returns with no submission in progress.
   */
  void pause() {
    lock.lock();
    try {
      paused = true;
      doorbellPending = false;
      if (refused == null) {
        // Also a tail that a submitter published but has not rung yet: once this returns, its
        // late ring finds the tail written and does nothing.
        ringSq();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Lets waiting submitters go on after {@link #pause()}. */
  void resume() {
    lock.lock();
    try {
      paused = false;
      slotFreed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The queue's state for servicing. Call only while paused and while the worker is paused, so
   * that neither side moves.
   */
  io.jnvme.driver.savestate.QueueState snapshot(io.jnvme.driver.savestate.BlockRef sqRef,
      io.jnvme.driver.savestate.BlockRef cqRef, io.jnvme.driver.savestate.BlockRef prpRef) {
    lock.lock();
    try {
      int[] gens = new int[slots.length];
      java.util.List<io.jnvme.driver.savestate.PendingCommand> pending = new java.util.ArrayList<>();
      for (Slot sl : slots) {
        gens[sl.index] = sl.generation;
        int st = sl.state;
        if (st == Slot.INFLIGHT || st == Slot.TIMED_OUT) {
          pending.add(new io.jnvme.driver.savestate.PendingCommand(sl.cid, sl.opcode, sl.nsid,
              st == Slot.TIMED_OUT));
        }
      }
      return new io.jnvme.driver.savestate.QueueState(qid, cpu, vector, entries, sqTail, sqHead,
          cqHead, phase, prpPagesPerSlot, sqRef, cqRef, prpRef, gens, pending);
    } finally {
      lock.unlock();
    }
  }

  /**
   * After a save that a new driver takes over: what each outstanding command's caller is waiting
   * for, keyed by cid, so the new driver can complete them. Synchronous waiters get a completion
   * that wakes them with the result.
   */
  java.util.Map<Integer, IoCompletion> handOver() {
    java.util.Map<Integer, IoCompletion> out = new java.util.HashMap<>();
    for (Slot sl : slots) {
      if (sl.state != Slot.INFLIGHT) {
        continue;
      }
      if (sl.completion != null) {
        if (!(sl.completion instanceof DwordCompletion)) {
          out.put(sl.cid, sl.completion);
        }
      } else if (sl.waiter != null) {
        Slot waiting = sl;
        out.put(sl.cid, (ctx, e) -> {
          if (STATE.compareAndSet(waiting, Slot.INFLIGHT, Slot.ENDED)) {
            waiting.resultStatus = e == null ? 0 : e.status().map(Status::raw).orElse(0);
            waiting.resultError = e;
            waiting.done = true;
            LockSupport.unpark(waiting.waiter);
          }
        });
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- completion (worker only)

  /**
   * Reaps completions, flushes batched doorbells, fails work if the queue died, times out
   * asynchronous commands. Called by the interrupt worker only.
   *
   * @return number of completions reaped
   */
  int process() {
    if (dead != null) {
      if (!deadHandled) {
        deadHandled = true;
        failOutstanding(dead);
      }
      return 0;
    }
    int n = reap();
    if (doorbellPending) {
      lock.lock();
      try {
        doorbellPending = false;
      } finally {
        lock.unlock();
      }
      ringSq();
    }
    long now = System.nanoTime();
    if (now - nextTimeoutScan >= 0) {
      nextTimeoutScan = now + Math.max(TimeUnit.MILLISECONDS.toNanos(10), timeoutNanos / 10);
      scanTimeouts(now);
    }
    return n;
  }

  private int reap() {
    MemoryBlock cq = memory.cq();
    int n = 0;
    while (dead == null) {
      long off = (long) cqHead * Cqe.SIZE;
      // Acquire: the device writes the status dword (with the phase) last; nothing else of the
      // entry may be read before we know the entry is new.
      int dw3 = cq.getIntAcquire(off + Cqe.DW3_OFFSET);
      if ((((dw3 >>> 16) & 1) != 0) != phase) {
        break;
      }
      int dw0 = cq.getInt(off + Cqe.DW0_OFFSET);
      int dw2 = cq.getInt(off + Cqe.SQHD_OFFSET);
      int cid = dw3 & 0xFFFF;
      int status = (dw3 >>> 17) & 0x7FFF;
      int sqhd = dw2 & 0xFFFF;
      cqHead++;
      if (cqHead == entries) {
        cqHead = 0;
        phase = !phase;
      }
      n++;
      if (sqhd >= entries) {
        ctrl.deviceFault(this, "completion reports SQ head " + sqhd + " outside a queue of "
            + entries + " entries cid=" + cid);
        break;
      }
      sqHead = sqhd;
      int index = cid & indexMask;
      Slot s = index < slots.length ? slots[index] : null;
      int state = s == null ? Slot.FREE : s.state;
      if (s == null || s.cid != cid || (state != Slot.INFLIGHT && state != Slot.TIMED_OUT)) {
        ctrl.deviceFault(this, "completion for a command that is not outstanding cid=" + cid
            + " status=0x" + Integer.toHexString(status));
        break;
      }
      complete(s, status, dw0);
    }
    if (n > 0) {
      // One head doorbell per batch: the device may reuse all reaped entries from here on.
      regs.doorbell(cqDoorbell, cqHead);
      if (waitingSubmitters > 0) {
        lock.lock();
        try {
          slotFreed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    }
    return n;
  }

  private void complete(Slot s, int status, int dw0) {
    completed++;
    if (s.completion == null) {
      if (STATE.compareAndSet(s, Slot.INFLIGHT, Slot.ENDED)) {
        // The waiter reads the results only after it sees done.
        s.resultStatus = status;
        s.resultDw0 = dw0;
        s.resultError = null;
        s.done = true;
        LockSupport.unpark(s.waiter);
      } else {
        lateCompletion(s, status);
      }
      return;
    }
    if (!STATE.compareAndSet(s, Slot.INFLIGHT, Slot.ENDED)) {
      lateCompletion(s, status);
      return;
    }
    IoCompletion c = s.completion;
    long ctx = s.context;
    int opcode = s.opcode;
    release(s);
    NvmeException e = (status & 0x7FF) == 0
        ? null
        : new NvmeStatusException("command failed controller=" + ctrl.name() + " qid=" + qid,
            new Status(status), opcode, qid == 0);
    if (c instanceof DwordCompletion d) {
      try {
        d.completed(ctx, dw0, e);
      } catch (RuntimeException | Error t) {
        LOG.error("completion callback threw controller={} qid={}", ctrl.name(), qid, t);
      }
    } else {
      deliver(c, ctx, e);
    }
  }

  private void lateCompletion(Slot s, int status) {
    LOG.info("late completion of a timed-out command controller={} qid={} cid={} status=0x{}",
        ctrl.name(), qid, s.cid, Integer.toHexString(status));
    release(s);
  }

  private void scanTimeouts(long now) {
    for (Slot s : slots) {
      // An Asynchronous Event Request completes only when an event happens: it has no deadline.
      if (qid == 0 && s.opcode == ASYNC_EVENT_REQUEST) {
        continue;
      }
      if (s.state == Slot.INFLIGHT && s.completion != null && now - s.deadlineNanos > 0
          && STATE.compareAndSet(s, Slot.INFLIGHT, Slot.TIMED_OUT)) {
        ctrl.onCommandTimeout(this, s.cid, s.opcode);
        deliver(s.completion, s.context, new CommandTimeoutException("command timed out controller="
            + ctrl.name() + " qid=" + qid + " cid=" + s.cid + " opcode=0x"
            + Integer.toHexString(s.opcode) + " nsid=" + s.nsid));
      }
    }
  }

  private void failOutstanding(ControllerFailedException e) {
    for (Slot s : slots) {
      if (s.completion == null) {
        if (STATE.compareAndSet(s, Slot.INFLIGHT, Slot.ENDED)) {
          s.resultError = e;
          s.done = true;
          LockSupport.unpark(s.waiter);
        }
      } else if (STATE.compareAndSet(s, Slot.INFLIGHT, Slot.ENDED)) {
        IoCompletion c = s.completion;
        long ctx = s.context;
        deliver(c, ctx, e);
      }
    }
    lock.lock();
    try {
      slotFreed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void deliver(IoCompletion c, long context, NvmeException e) {
    try {
      c.completed(context, e);
    } catch (RuntimeException | Error t) {
      // A caller's callback must not take the completion thread down with it.
      LOG.error("completion callback threw controller={} qid={}", ctrl.name(), qid, t);
    }
  }

  /** Refuses new commands; those outstanding stay pending until {@link #kill}. */
  void refuse(ControllerFailedException e) {
    lock.lock();
    try {
      if (refused == null) {
        refused = e;
      }
      slotFreed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Marks the queue dead: the worker fails what is outstanding. Call only once the device can no
   * longer write to the callers' buffers (reset done, or device gone).
   */
  void kill(ControllerFailedException e) {
    refuse(e);
    lock.lock();
    try {
      if (dead == null) {
        dead = e;
      }
    } finally {
      lock.unlock();
    }
    // A doorbell write in progress ends before this returns; later ones see dead and skip.
    doorbellLock.lock();
    doorbellLock.unlock();
  }

  boolean isDead() {
    return dead != null;
  }

  int inFlight() {
    int n = 0;
    for (Slot s : slots) {
      int st = s.state;
      if (st == Slot.INFLIGHT || st == Slot.TIMED_OUT) {
        n++;
      }
    }
    return n;
  }

  long completed() {
    return completed;
  }

  @Override
  public String toString() {
    return "QueuePair[controller=" + ctrl.name() + " qid=" + qid + " cpu=" + cpu + " entries="
        + entries + "]";
  }
}
