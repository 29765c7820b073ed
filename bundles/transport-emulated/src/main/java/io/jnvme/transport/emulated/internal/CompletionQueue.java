package io.jnvme.transport.emulated.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.Cqe;
import io.jnvme.spec.Status;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A completion queue: the ring, the tail and phase the controller writes with, and the head the
 * host last wrote to the doorbell. A completion that finds the queue full waits in {@link #held}
 * until the host frees an entry; an unconsumed entry is never overwritten. All ring writes happen
 * under this object's monitor.
 */
final class CompletionQueue {
  /** A completion waiting for room. */
  private record Held(Command cmd, int cid) {}

  final int qid;
  final HostRing ring;
  final int vector;
  final boolean interruptsEnabled;
  /** SQs that complete here; a CQ with SQs cannot be deleted. */
  final List<SubmissionQueue> sqs = new CopyOnWriteArrayList<>();

  private final ArrayDeque<Held> held = new ArrayDeque<>();
  private volatile int heldCount;
  private int tail;
  private boolean phase = true;
  /** Written by the host's doorbell thread. */
  private volatile int head;
  private volatile boolean deleted;

  CompletionQueue(int qid, long base, int entries, int vector, boolean interruptsEnabled) {
    this.qid = qid;
    this.ring = new HostRing(base, Cqe.SIZE, entries);
    this.vector = vector;
    this.interruptsEnabled = interruptsEnabled;
  }

  int size() {
    return ring.entries;
  }

  boolean deleted() {
    return deleted;
  }

  /** True while completions wait for room; the SQs of this CQ stop fetching meanwhile. */
  boolean hasHeld() {
    return heldCount != 0;
  }

  private boolean full() {
    int next = tail + 1 == ring.entries ? 0 : tail + 1;
    return next == head;
  }

  /** Outcome of {@link #post}. */
  enum Posted {
    /** Written to the ring. */
    WRITTEN,
    /** The queue is full; the completion waits. */
    HELD,
    /** The ring's memory is not mapped any more; nothing was written. */
    UNREACHABLE,
    /** The queue is gone. */
    DELETED
  }

  /**
   * Posts the completion of {@code cmd} with {@code cid} in the CID field (the command's own CID
   * unless a fault rewrites it).
   */
  synchronized Posted post(DmaSpace dma, Command cmd, int cid) {
    if (deleted) {
      return Posted.DELETED;
    }
    if (heldCount != 0 || full()) {
      held.add(new Held(cmd, cid));
      heldCount = held.size();
      return Posted.HELD;
    }
    return write(dma, cmd, cid) ? Posted.WRITTEN : Posted.UNREACHABLE;
  }

  /**
   * Writes held completions while there is room.
   *
   * @return how many were written, or -1 if the ring is unreachable
   */
  synchronized int drain(DmaSpace dma) {
    int n = 0;
    while (!deleted && !held.isEmpty() && !full()) {
      Held h = held.peek();
      if (!write(dma, h.cmd, h.cid)) {
        return -1;
      }
      held.poll();
      heldCount = held.size();
      n++;
    }
    return n;
  }

  private boolean write(DmaSpace dma, Command cmd, int cid) {
    if (!ring.resolve(dma)) {
      return false;
    }
    MemoryBlock b = ring.block();
    long at = ring.offsetOf(tail);
    Status s = cmd.status;
    // SAFETY: at is an entry of the resolved ring, inside the mapped block. The first three dwords
    // are plain writes; the dword with the phase tag goes last with release semantics, so a host
    // that acquire-reads a new phase sees the whole entry.
    b.putInt(at + Cqe.DW0_OFFSET, cmd.dw0);
    b.putInt(at + Cqe.DW1_OFFSET, 0);
    b.putInt(at + Cqe.SQHD_OFFSET, (cmd.sq.head & 0xFFFF) | (cmd.sq.qid << 16));
    b.putIntRelease(at + Cqe.DW3_OFFSET, (cid & 0xFFFF) | (Cqe.statusWord(s.raw(), phase) << 16));
    if (++tail == ring.entries) {
      tail = 0;
      phase = !phase;
    }
    return true;
  }

  /**
   * Takes a new head from the doorbell. The head may only move over entries the controller
   * posted.
   *
   * @return false if {@code value} is not a valid head (the write is ignored)
   */
  synchronized boolean head(int value) {
    if (value < 0 || value >= ring.entries) {
      return false;
    }
    int n = ring.entries;
    int h = head;
    int posted = (tail - h + n) % n;
    int consumed = (value - h + n) % n;
    if (consumed > posted) {
      return false;
    }
    head = value;
    return true;
  }

  /** Deletes the queue: nothing more is written, held completions are dropped. */
  synchronized List<Command> delete() {
    deleted = true;
    List<Command> dropped = held.stream().map(Held::cmd).toList();
    held.clear();
    heldCount = 0;
    return dropped;
  }

  @Override
  public String toString() {
    return "CQ[qid=" + qid + " size=" + size() + " iv=" + vector + " ien=" + interruptsEnabled
        + " tail=" + tail + " head=" + head + " held=" + heldCount + "]";
  }
}
