package io.jnvme.transport.qemu.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.Cqe;
import io.jnvme.spec.Sqe;
import io.jnvme.transport.qemu.RecoveryReport;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport's record, in guest RAM, of where every queue's rings stand and which commands are
 * outstanding, kept from the register and doorbell writes that pass through it, so that after a
 * driver process is killed a new one can take the queues over (QEMU.md §12).
 *
 * <p>The journal is persistent memory (a page-pool block), written in an order that makes a
 * SIGKILL at any instant recoverable:
 *
 * <ul>
 *   <li>SQ tail doorbell: the intended tail first, then a bit per command id of the new entries
 *       (read from the ring in RAM), then the tail is committed (release store), and only then is
 *       the doorbell written to QEMU. A process killed before the commit leaves entries that were
 *       never announced: recovery clears their bits and keeps the committed tail. Killed after
 *       the commit: recovery writes the committed tail again, which QEMU takes as a no-op if it
 *       had it already (re-ringing an older tail would make QEMU run a whole ring of stale
 *       entries, so the tail is never committed after the doorbell).
 *   <li>CQ head doorbell: the bits of the consumed entries' command ids are cleared, then the head
 *       and phase are committed, then the doorbell is written. Killed in between: recovery finds
 *       those entries again from the committed head and drops them as already consumed.
 *   <li>Admin submissions are also read for Create/Delete I/O SQ/CQ, which give each I/O queue's
 *       rings; CC.EN 1 to 0 (a reset) forgets every queue, 0 to 1 starts the admin queue from
 *       AQA/ASQ/ACQ.
 * </ul>
 *
 * <p>Layout of the block (little endian): page 0 header, page 1 one 64-byte record per queue id,
 * then an 8 KiB bitmap of outstanding command ids per queue id, then 64 KiB with the opcode of
 * each admin command id (to tell an Asynchronous Event Request, which stays outstanding, from the
 * rest). Only queue ids below the capacity are followed; a queue beyond it marks the journal
 * untracked and recovery refuses.
 */
final class RingJournal {
  private static final Logger LOG = LoggerFactory.getLogger(RingJournal.class);
  private static final long MAGIC = 0x314E_524A_5156_4E4AL; // "JNVQJRN1"
  private static final int VERSION = 1;
  private static final int PAGE = MemoryBlock.PAGE_SIZE;
  /** At most 64 records fit page 1. */
  static final int MAX_QUEUES = 64;
  private static final int BITMAP_BYTES = 65536 / 8;
  private static final int OPCODE_TABLE_BYTES = 65536;

  // Header fields.
  private static final int H_MAGIC = 0;
  private static final int H_VERSION = 8;
  private static final int H_CAPACITY = 12;
  private static final int H_RESETS = 16;
  private static final int H_ENABLES = 24;
  private static final int H_CC = 32;
  private static final int H_AQA = 36;
  private static final int H_ASQ = 40;
  private static final int H_ACQ = 48;
  private static final int H_UNTRACKED = 56;
  private static final int H_DSTRD = 60;
  /** 8 bytes the attach-time RAM identity check writes its nonce into. */
  static final int H_NONCE = 64;
  private static final int H_BAR0 = 72;
  private static final int H_BAR0_SIZE = 80;

  // Queue record fields, at PAGE + 64 * qid.
  private static final int RECORDS = PAGE;
  private static final int R_FLAGS = 0;
  private static final int R_SQ_ENTRIES = 4;
  private static final int R_SQ_BASE = 8;
  private static final int R_CQ_ENTRIES = 16;
  private static final int R_SQ_CQID = 20;
  private static final int R_CQ_BASE = 24;
  private static final int R_SQ_TAIL = 32;
  private static final int R_SQ_INTENT = 36;
  /** CQ head in bits 30:0, the phase expected at the head in bit 31: one store commits both. */
  private static final int R_CQ_HEAD = 40;
  private static final int R_SQ_HEAD = 48;
  private static final int F_SQ = 1;
  private static final int F_CQ = 2;

  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final MemoryBlock block;
  private final ByteBuffer b;
  private final GuestRam ram;
  private final int capacity;
  private final int bitmaps;
  private final int opcodes;

  private RingJournal(MemoryBlock block, GuestRam ram, int capacity) {
    this.block = block;
    this.b = block.buffer();
    this.ram = ram;
    this.capacity = capacity;
    this.bitmaps = 2 * PAGE;
    this.opcodes = bitmaps + capacity * BITMAP_BYTES;
  }

  /** Bytes a journal for {@code capacity} queue ids needs. */
  static long sizeFor(int capacity) {
    return 2L * PAGE + (long) capacity * BITMAP_BYTES + OPCODE_TABLE_BYTES;
  }

  /**
   * Opens the journal in {@code block}, formatting it when it holds none.
   *
   * @param capacity queue ids to follow (admin plus I/O), for a new journal
   */
  static RingJournal open(MemoryBlock block, GuestRam ram, int capacity) {
    ByteBuffer b = block.buffer();
    if (b.getLong(H_MAGIC) == MAGIC && b.getInt(H_VERSION) == VERSION) {
      int cap = b.getInt(H_CAPACITY);
      if (cap >= 1 && cap <= MAX_QUEUES && block.size() >= sizeFor(cap)) {
        return new RingJournal(block, ram, cap);
      }
      LOG.warn("ring journal with capacity {} does not fit its block of {} bytes: formatting",
          cap, block.size());
    }
    int cap = Math.min(capacity, MAX_QUEUES);
    if (block.size() < sizeFor(cap)) {
      throw new IllegalArgumentException("journal block of " + block.size() + " bytes is too"
          + " small for " + cap + " queues");
    }
    block.zero(0, block.size());
    b.putInt(H_VERSION, VERSION);
    b.putInt(H_CAPACITY, cap);
    LONG.setRelease(b, H_MAGIC, MAGIC);
    return new RingJournal(block, ram, cap);
  }

  int capacity() {
    return capacity;
  }

  /** The guest-physical address of the nonce field, for the RAM identity check. */
  long nonceAddress() {
    return block.deviceAddress(0) + H_NONCE;
  }

  ByteBuffer nonceView() {
    return b;
  }

  long resets() {
    return b.getLong(H_RESETS);
  }

  long enables() {
    return b.getLong(H_ENABLES);
  }

  boolean untracked() {
    return b.getInt(H_UNTRACKED) != 0;
  }

  long bar0() {
    return b.getLong(H_BAR0);
  }

  /** BAR 0's size as measured when it was placed, or 0. */
  long bar0Size() {
    return b.getLong(H_BAR0_SIZE);
  }

  void bar0(long address, long size, int dstrd) {
    b.putLong(H_BAR0, address);
    b.putLong(H_BAR0_SIZE, size);
    b.putInt(H_DSTRD, dstrd);
  }

  int lastCc() {
    return b.getInt(H_CC);
  }

  private void markUntracked(String why) {
    if (b.getInt(H_UNTRACKED) == 0) {
      LOG.warn("ring journal cannot follow the queues any more ({}): recovery after a crash will"
          + " not be possible until the controller is reset", why);
    }
    b.putInt(H_UNTRACKED, 1);
  }

  /**
   * Makes the journal agree with the controller found at attach time: a disabled controller has
   * no queues; an enabled one the journal did not see being enabled cannot be recovered.
   */
  synchronized void reconcile(int cc) {
    if (cc == -1) {
      return; // the device is gone; nothing to agree with
    }
    boolean en = (cc & 1) != 0;
    boolean journalEn = (lastCc() & 1) != 0;
    if (!en) {
      if (journalEn || untracked()) {
        LOG.info("controller found disabled: the ring journal forgets its queues");
      }
      clearQueues();
      b.putInt(H_UNTRACKED, 0);
      b.putInt(H_CC, cc);
    } else if (!journalEn) {
      b.putInt(H_CC, cc);
      markUntracked("the controller was enabled by someone who bypassed this transport");
    }
  }

  // ------------------------------------------------------------------ register writes

  /** Called before a write to CC reaches QEMU. */
  synchronized void ccWritten(int value) {
    int old = lastCc();
    boolean wasEn = (old & 1) != 0;
    boolean en = (value & 1) != 0;
    b.putInt(H_CC, value);
    if (wasEn && !en) {
      b.putLong(H_RESETS, b.getLong(H_RESETS) + 1);
      clearQueues();
      b.putInt(H_UNTRACKED, 0);
    } else if (!wasEn && en) {
      b.putLong(H_ENABLES, b.getLong(H_ENABLES) + 1);
      clearQueues();
      b.putInt(H_UNTRACKED, 0);
      int aqa = b.getInt(H_AQA);
      int sqEntries = (aqa & 0xFFF) + 1;
      int cqEntries = ((aqa >>> 16) & 0xFFF) + 1;
      defineCq(0, b.getLong(H_ACQ) & ~0xFFFL, cqEntries);
      defineSq(0, b.getLong(H_ASQ) & ~0xFFFL, sqEntries, 0);
    }
  }

  synchronized void aqaWritten(int value) {
    b.putInt(H_AQA, value);
  }

  synchronized void asqWritten(long value) {
    b.putLong(H_ASQ, value);
  }

  synchronized void acqWritten(long value) {
    b.putLong(H_ACQ, value);
  }

  /** Half of ASQ or ACQ written with a 32-bit access. */
  synchronized void adminQueueHalfWritten(int headerOffset, boolean high, int value) {
    long old = b.getLong(headerOffset);
    long v = high
        ? (old & 0xFFFF_FFFFL) | ((long) value << 32)
        : (old & 0xFFFF_FFFF_0000_0000L) | Integer.toUnsignedLong(value);
    b.putLong(headerOffset, v);
  }

  static int asqField() {
    return H_ASQ;
  }

  static int acqField() {
    return H_ACQ;
  }

  // ------------------------------------------------------------------ doorbells

  private int rec(int qid) {
    return RECORDS + 64 * qid;
  }

  private boolean has(int qid, int flag) {
    return qid >= 0 && qid < capacity && (b.getInt(rec(qid) + R_FLAGS) & flag) != 0;
  }

  /**
   * Called before an SQ tail doorbell write reaches QEMU: records the new entries' command ids
   * and commits the tail. The driver serialises doorbell writes of one queue.
   */
  void sqDoorbell(int qid, int newTail) {
    if (journalSubmissions(qid, newTail)) {
      commitTail(qid, newTail);
    }
  }

  /**
   * First half of {@link #sqDoorbell}: the intended tail and the new entries' bits. Returns false
   * if there is nothing to commit. (Separate so that tests can stop between the halves, as a
   * SIGKILL can.)
   */
  boolean journalSubmissions(int qid, int newTail) {
    if (qid >= capacity) {
      markUntracked("SQ doorbell of qid " + qid + " beyond the journal's " + capacity + " queues");
      return false;
    }
    if (!has(qid, F_SQ)) {
      return false;
    }
    int r = rec(qid);
    int entries = b.getInt(r + R_SQ_ENTRIES);
    if (newTail < 0 || newTail >= entries) {
      return false; // QEMU rejects it too (an invalid doorbell write event); nothing submitted
    }
    long base = b.getLong(r + R_SQ_BASE);
    int old = b.getInt(r + R_SQ_TAIL);
    b.putInt(r + R_SQ_INTENT, newTail);
    for (int i = old; i != newTail; i = (i + 1) % entries) {
      long sqe = base + (long) i * Sqe.SIZE;
      if (!ram.contains(sqe, Sqe.SIZE)) {
        markUntracked("SQ " + qid + " entry outside RAM");
        return false;
      }
      // SAFETY: the entry lies in guest RAM (checked above) and was written by the driver on this
      // thread before it rang; the device only reads it. A bogus entry only sets a wrong bit.
      int cdw0 = ram.getInt(sqe + Sqe.CDW0_OFFSET);
      int opcode = cdw0 & 0xFF;
      int cid = cdw0 >>> 16;
      setBit(qid, cid);
      if (qid == 0) {
        b.put(opcodes + cid, (byte) opcode);
        snoopAdmin(sqe, opcode);
      }
    }
    return true;
  }

  /** Second half of {@link #sqDoorbell}: the tail counts from now on. */
  void commitTail(int qid, int newTail) {
    // Release: the bits are in the journal before the committed tail says they count.
    INT.setRelease(b, rec(qid) + R_SQ_TAIL, newTail);
  }

  /** Queue creation and deletion, read from admin submissions (Base spec 2.0, §5.4, §5.5). */
  private void snoopAdmin(long sqe, int opcode) {
    int cdw10 = ram.getInt(sqe + Sqe.CDW10_OFFSET);
    int cdw11 = ram.getInt(sqe + Sqe.CDW11_OFFSET);
    long prp1 = ram.getLong(sqe + Sqe.PRP1_OFFSET);
    int qid = cdw10 & 0xFFFF;
    int entries = (cdw10 >>> 16) + 1;
    if (opcode == AdminOpcode.CREATE_IO_CQ.raw() || opcode == AdminOpcode.CREATE_IO_SQ.raw()
        || opcode == AdminOpcode.DELETE_IO_CQ.raw() || opcode == AdminOpcode.DELETE_IO_SQ.raw()) {
      if (qid == 0) {
        return; // invalid, the controller refuses it
      }
      if (qid >= capacity) {
        markUntracked("queue id " + qid + " beyond the journal's " + capacity + " queues");
        return;
      }
    }
    synchronized (this) {
      if (opcode == AdminOpcode.CREATE_IO_CQ.raw()) {
        if ((cdw11 & 1) == 0) {
          markUntracked("a CQ that is not physically contiguous (qid " + qid + ")");
          return;
        }
        defineCq(qid, prp1, entries);
      } else if (opcode == AdminOpcode.CREATE_IO_SQ.raw()) {
        if ((cdw11 & 1) == 0) {
          markUntracked("an SQ that is not physically contiguous (qid " + qid + ")");
          return;
        }
        defineSq(qid, prp1, entries, cdw11 >>> 16);
      } else if (opcode == AdminOpcode.DELETE_IO_SQ.raw()) {
        int r = rec(qid);
        b.putInt(r + R_FLAGS, b.getInt(r + R_FLAGS) & ~F_SQ);
      } else if (opcode == AdminOpcode.DELETE_IO_CQ.raw()) {
        int r = rec(qid);
        b.putInt(r + R_FLAGS, b.getInt(r + R_FLAGS) & ~F_CQ);
      }
    }
  }

  private void defineCq(int qid, long base, int entries) {
    int r = rec(qid);
    b.putLong(r + R_CQ_BASE, base);
    b.putInt(r + R_CQ_ENTRIES, entries);
    b.putInt(r + R_CQ_HEAD, cqState(0, 1));
    b.putInt(r + R_FLAGS, b.getInt(r + R_FLAGS) | F_CQ);
  }

  private void defineSq(int qid, long base, int entries, int cqid) {
    int r = rec(qid);
    b.putLong(r + R_SQ_BASE, base);
    b.putInt(r + R_SQ_ENTRIES, entries);
    b.putInt(r + R_SQ_CQID, cqid);
    b.putInt(r + R_SQ_TAIL, 0);
    b.putInt(r + R_SQ_INTENT, 0);
    b.putInt(r + R_SQ_HEAD, 0);
    clearBitmap(qid);
    b.putInt(r + R_FLAGS, b.getInt(r + R_FLAGS) | F_SQ);
  }

  /**
   * Called before a CQ head doorbell write reaches QEMU: the consumed entries' commands are no
   * longer outstanding; head and phase are committed.
   */
  void cqDoorbell(int qid, int newHead) {
    int phase = journalCompletions(qid, newHead);
    if (phase >= 0) {
      commitHead(qid, newHead, phase);
    }
  }

  /**
   * First half of {@link #cqDoorbell}: clears the consumed entries' commands and returns the
   * phase at {@code newHead}, or -1 if there is nothing to commit.
   */
  int journalCompletions(int qid, int newHead) {
    if (!has(qid, F_CQ)) {
      return -1;
    }
    int r = rec(qid);
    int entries = b.getInt(r + R_CQ_ENTRIES);
    if (newHead < 0 || newHead >= entries) {
      return -1;
    }
    long base = b.getLong(r + R_CQ_BASE);
    int state = b.getInt(r + R_CQ_HEAD);
    int head = state & 0x7FFF_FFFF;
    int phase = state >>> 31;
    while (head != newHead) {
      long cqe = base + (long) head * Cqe.SIZE;
      if (!ram.contains(cqe, Cqe.SIZE)) {
        markUntracked("CQ " + qid + " entry outside RAM");
        return -1;
      }
      consume(cqe);
      head++;
      if (head == entries) {
        head = 0;
        phase ^= 1;
      }
    }
    return phase;
  }

  /** Second half of {@link #cqDoorbell}: head and phase count from now on. */
  void commitHead(int qid, int newHead, int phase) {
    INT.setRelease(b, rec(qid) + R_CQ_HEAD, cqState(newHead, phase));
  }

  private static int cqState(int head, int phase) {
    return (phase << 31) | head;
  }

  /** Clears the command of one completion entry; returns true if it was outstanding. */
  private boolean consume(long cqe) {
    // SAFETY: the entry is in guest RAM (checked by the callers) and was consumed by the driver,
    // so the device does not write it again until the head passes; any value read is bounded:
    // sqid is checked against the capacity, cid indexes a 64 Ki-bit bitmap.
    int dw2 = ram.getInt(cqe + Cqe.SQHD_OFFSET);
    int dw3 = ram.getInt(cqe + Cqe.DW3_OFFSET);
    int sqid = dw2 >>> 16;
    int cid = dw3 & 0xFFFF;
    if (sqid >= capacity) {
      return false;
    }
    b.putInt(rec(sqid) + R_SQ_HEAD, dw2 & 0xFFFF);
    return clearBit(sqid, cid);
  }

  // ------------------------------------------------------------------ bitmaps

  private int word(int qid, int cid) {
    return bitmaps + qid * BITMAP_BYTES + (cid >>> 6) * 8;
  }

  private void setBit(int qid, int cid) {
    // The CQ doorbell path clears bits of the same words concurrently: atomic read-modify-write.
    LONG.getAndBitwiseOr(b, word(qid, cid), 1L << (cid & 63));
  }

  private boolean clearBit(int qid, int cid) {
    long bit = 1L << (cid & 63);
    long old = (long) LONG.getAndBitwiseAnd(b, word(qid, cid), ~bit);
    return (old & bit) != 0;
  }

  private boolean bit(int qid, int cid) {
    return ((long) LONG.getVolatile(b, word(qid, cid)) & (1L << (cid & 63))) != 0;
  }

  private void clearBitmap(int qid) {
    block.zero(bitmaps + (long) qid * BITMAP_BYTES, BITMAP_BYTES);
  }

  private void clearQueues() {
    block.zero(RECORDS, PAGE);
    block.zero(bitmaps, (long) capacity * BITMAP_BYTES);
  }

  private List<Integer> outstanding(int qid) {
    List<Integer> out = new ArrayList<>();
    int base = bitmaps + qid * BITMAP_BYTES;
    for (int w = 0; w < BITMAP_BYTES / 8; w++) {
      long v = (long) LONG.getVolatile(b, base + w * 8);
      while (v != 0) {
        int bit = Long.numberOfTrailingZeros(v);
        out.add(w * 64 + bit);
        v &= v - 1;
      }
    }
    return out;
  }

  private int opcode(int cid) {
    return b.get(opcodes + cid) & 0xFF;
  }

  // ------------------------------------------------------------------ recovery

  /** Rings a doorbell: {@code sq} true for an SQ tail, false for a CQ head. */
  interface Doorbells {
    void ring(int qid, boolean sq, int value);
  }

  /**
   * Takes over the queues of a driver that died without saving (QEMU.md §12): drops submissions
   * that were written but never announced, announces the committed tails again, and consumes
   * completions until every command of the dead process has completed; Asynchronous Event
   * Requests may stay outstanding. Writes the CQ heads as it goes.
   *
   * @throws IllegalStateException if the journal could not follow the queues, or commands are
   *     still outstanding at the deadline
   */
  synchronized RecoveryReport recover(int cc, int csts, Doorbells db, long timeoutNanos) {
    if (untracked()) {
      throw new IllegalStateException("the ring journal lost track of the queues; a reset is"
          + " the only way on");
    }
    int rolledBack = 0;
    List<Integer> sqs = new ArrayList<>();
    List<Integer> cqs = new ArrayList<>();
    for (int q = 0; q < capacity; q++) {
      if (has(q, F_SQ)) {
        sqs.add(q);
      }
      if (has(q, F_CQ)) {
        cqs.add(q);
      }
    }
    // 1. Entries written and journalled but never announced: not submitted, forget them.
    for (int q : sqs) {
      int r = rec(q);
      int entries = b.getInt(r + R_SQ_ENTRIES);
      int tail = b.getInt(r + R_SQ_TAIL);
      int intent = b.getInt(r + R_SQ_INTENT);
      long base = b.getLong(r + R_SQ_BASE);
      for (int i = tail; i != intent; i = (i + 1) % entries) {
        int cid = ram.getInt(base + (long) i * Sqe.SIZE) >>> 16;
        if (clearBit(q, cid)) {
          rolledBack++;
        }
      }
      b.putInt(r + R_SQ_INTENT, tail);
    }
    // 2. Announce every committed tail again: idempotent if QEMU had it.
    for (int q : sqs) {
      if (!outstanding(q).isEmpty()) {
        db.ring(q, true, b.getInt(rec(q) + R_SQ_TAIL));
      }
    }
    // 3. Drain.
    int drained = 0;
    int stale = 0;
    int aersLost = 0;
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      for (int q : cqs) {
        int r = rec(q);
        int entries = b.getInt(r + R_CQ_ENTRIES);
        long base = b.getLong(r + R_CQ_BASE);
        int state = b.getInt(r + R_CQ_HEAD);
        int head = state & 0x7FFF_FFFF;
        int phase = state >>> 31;
        int n = 0;
        while (true) {
          long cqe = base + (long) head * Cqe.SIZE;
          int dw3 = ram.getIntAcquire(cqe + Cqe.DW3_OFFSET);
          if (((dw3 >>> 16) & 1) != phase) {
            break;
          }
          int sqid = ram.getInt(cqe + Cqe.SQHD_OFFSET) >>> 16;
          int cid = dw3 & 0xFFFF;
          boolean aer = sqid == 0 && opcode(cid) == AdminOpcode.ASYNC_EVENT_REQUEST.raw();
          if (consume(cqe)) {
            drained++;
            if (aer) {
              aersLost++;
            }
          } else {
            stale++;
          }
          n++;
          head++;
          if (head == entries) {
            head = 0;
            phase ^= 1;
          }
        }
        if (n > 0) {
          commitHead(q, head, phase);
          db.ring(q, false, head);
        }
      }
      List<String> left = new ArrayList<>();
      for (int q : sqs) {
        for (int cid : outstanding(q)) {
          if (!(q == 0 && opcode(cid) == AdminOpcode.ASYNC_EVENT_REQUEST.raw())) {
            left.add("qid=" + q + " cid=" + cid);
          }
        }
      }
      if (left.isEmpty()) {
        break;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("commands of the previous driver did not complete in"
            + " time: " + left);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(200_000);
    }
    // 4. Where everything stands: every entry up to each tail was fetched.
    List<RecoveryReport.Queue> queues = new ArrayList<>();
    for (int q = 0; q < capacity; q++) {
      if (!has(q, F_SQ) || !has(q, F_CQ)) {
        continue;
      }
      int r = rec(q);
      int tail = b.getInt(r + R_SQ_TAIL);
      b.putInt(r + R_SQ_HEAD, tail);
      List<RecoveryReport.Outstanding> out = new ArrayList<>();
      for (int cid : outstanding(q)) {
        out.add(new RecoveryReport.Outstanding(cid, q == 0 ? opcode(cid) : 0));
      }
      queues.add(new RecoveryReport.Queue(q, b.getInt(r + R_SQ_ENTRIES),
          b.getInt(r + R_CQ_ENTRIES), b.getLong(r + R_SQ_BASE), b.getLong(r + R_CQ_BASE), tail,
          tail, b.getInt(r + R_CQ_HEAD) & 0x7FFF_FFFF, (b.getInt(r + R_CQ_HEAD) >>> 31) != 0,
          out));
    }
    return new RecoveryReport(cc, csts, resets(), queues, drained, stale, aersLost, rolledBack);
  }

  /** Queue ids the journal follows now, for diagnostics. */
  synchronized List<Integer> queueIds() {
    List<Integer> ids = new ArrayList<>();
    for (int q = 0; q < capacity; q++) {
      if (has(q, F_SQ) && has(q, F_CQ)) {
        ids.add(q);
      }
    }
    return ids;
  }

  /** True if the bit of {@code cid} on {@code qid} is set (tests). */
  boolean isOutstanding(int qid, int cid) {
    return bit(qid, cid);
  }
}
