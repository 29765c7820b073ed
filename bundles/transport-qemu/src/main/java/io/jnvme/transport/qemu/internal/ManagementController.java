package io.jnvme.transport.qemu.internal;

import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.Bar0;
import io.jnvme.spec.Cqe;
import io.jnvme.spec.Sqe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The second controller of the NVM subsystem, driven by the transport itself: an administrator's
 * path to the subsystem, separate from the driver under test. It sends Namespace Attachment
 * commands naming the driver's controller, which is how namespaces come and go at run time on
 * QEMU 7.2 (QMP cannot hot-plug {@code nvme-ns}); the driver's controller then posts a namespace
 * attribute notice, as a real subsystem does when another host attaches or detaches.
 *
 * <p>A minimal admin-only driver: one 16-entry admin queue in guest RAM, polled completions (no
 * interrupts), one command at a time. It is reset and enabled again at every attach; that does not
 * touch the other controller.
 */
final class ManagementController {
  /** Base spec 2.0, §5.14 Namespace Attachment, and CNS 13h (controller list). */
  static final int NAMESPACE_ATTACHMENT = 0x15;
  static final int CNS_CONTROLLER_LIST = 0x13;
  static final int CNS_CONTROLLER = 0x01;
  private static final int ENTRIES = 16;
  private static final int PAGE = MemoryBlock.PAGE_SIZE;

  private final QtestClient qt;
  private final long bar;
  private final MemoryBlock mem;
  private final long sq;
  private final long cq;
  private final long data;
  private final long timeoutNanos;
  private int tail;
  private int head;
  private int phase = 1;
  private int nextCid;
  private int cntlid = -1;

  ManagementController(QtestClient qt, long bar, MemoryBlock mem, long timeoutNanos) {
    if (mem.size() < 3L * PAGE) {
      throw new IllegalArgumentException("management queue block too small");
    }
    this.qt = qt;
    this.bar = bar;
    this.mem = mem;
    this.sq = mem.deviceAddress(0);
    this.cq = mem.deviceAddress(1);
    this.data = mem.deviceAddress(2);
    this.timeoutNanos = timeoutNanos;
  }

  /** Bytes of guest RAM it needs: the SQ, the CQ and a data page. */
  static long memorySize() {
    return 3L * PAGE;
  }

  /** Resets, enables, and learns its own controller id. */
  synchronized void start() {
    int cc = qt.readl(bar + Bar0.CC);
    if ((cc & 1) != 0) {
      qt.writel(bar + Bar0.CC, cc & ~1);
      waitReady(false);
    }
    mem.zero(0, mem.size());
    tail = 0;
    head = 0;
    phase = 1;
    qt.writel(bar + Bar0.AQA, ((ENTRIES - 1) << 16) | (ENTRIES - 1));
    qt.writeq(bar + Bar0.ASQ, sq);
    qt.writeq(bar + Bar0.ACQ, cq);
    // IOCQES = 4, IOSQES = 6, MPS = 0, CSS = NVM, EN = 1.
    qt.writel(bar + Bar0.CC, (4 << 20) | (6 << 16) | 1);
    waitReady(true);
    execute(AdminOpcode.IDENTIFY.raw(), 0, CNS_CONTROLLER, true);
    cntlid = mem.buffer().getShort(2 * PAGE + 78) & 0xFFFF;
  }

  /** Its own controller id. */
  int cntlid() {
    return cntlid;
  }

  /** Controller ids in the subsystem (Identify CNS 13h), its own included. */
  synchronized List<Integer> subsystemControllers() {
    execute(AdminOpcode.IDENTIFY.raw(), 0, CNS_CONTROLLER_LIST, true);
    List<Integer> ids = new ArrayList<>();
    int n = mem.buffer().getShort(2 * PAGE) & 0xFFFF;
    for (int i = 0; i < Math.min(n, 2047); i++) {
      ids.add(mem.buffer().getShort(2 * PAGE + 2 + 2 * i) & 0xFFFF);
    }
    return ids;
  }

  /**
   * Attaches ({@code attach}) or detaches namespace {@code nsid} to or from controller
   * {@code controller}; returns the completion status field (0 = success).
   */
  synchronized int attachment(int nsid, int controller, boolean attach) {
    mem.zero(2L * PAGE, PAGE);
    mem.buffer().putShort(2 * PAGE, (short) 1);
    mem.buffer().putShort(2 * PAGE + 2, (short) controller);
    // CDW10 SEL: 0 attach, 1 detach.
    return executeRaw(NAMESPACE_ATTACHMENT, nsid, attach ? 0 : 1);
  }

  private void execute(int opcode, int nsid, int cdw10, boolean check) {
    int status = executeRaw(opcode, nsid, cdw10);
    if (check && status != 0) {
      throw new IllegalStateException("management controller: opcode 0x"
          + Integer.toHexString(opcode) + " failed with status 0x" + Integer.toHexString(status));
    }
  }

  /** Runs one admin command with PRP1 = the data page; returns the status field without phase. */
  private int executeRaw(int opcode, int nsid, int cdw10) {
    int cid = nextCid;
    nextCid = (nextCid + 1) & 0xFFF;
    long e = (long) tail * Sqe.SIZE;
    mem.zero(e, Sqe.SIZE);
    mem.putInt(e + Sqe.CDW0_OFFSET, opcode | (cid << 16));
    mem.putInt(e + Sqe.NSID_OFFSET, nsid);
    mem.putLong(e + Sqe.PRP1_OFFSET, data);
    mem.putInt(e + Sqe.CDW10_OFFSET, cdw10);
    tail = (tail + 1) % ENTRIES;
    MemoryBlock.releaseFence();
    qt.writel(bar + Bar0.sqTailDoorbell(0, 0), tail);
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      long c = PAGE + (long) head * Cqe.SIZE;
      int dw3 = mem.getIntAcquire(c + Cqe.DW3_OFFSET);
      if (((dw3 >>> 16) & 1) == phase) {
        head = (head + 1) % ENTRIES;
        if (head == 0) {
          phase ^= 1;
        }
        qt.writel(bar + Bar0.cqHeadDoorbell(0, 0), head);
        if ((dw3 & 0xFFFF) != cid) {
          throw new IllegalStateException("management controller completed cid "
              + (dw3 & 0xFFFF) + ", expected " + cid);
        }
        return (dw3 >>> 17) & 0x7FFF;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("management controller: opcode 0x"
            + Integer.toHexString(opcode) + " did not complete within "
            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
      }
      LockSupport.parkNanos(20_000);
    }
  }

  private void waitReady(boolean ready) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      int csts = qt.readl(bar + Bar0.CSTS);
      if (csts == -1) {
        throw new IllegalStateException("management controller is gone (CSTS all ones)");
      }
      if (((csts & 1) != 0) == ready) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("management controller: CSTS.RDY did not become "
            + (ready ? 1 : 0));
      }
      LockSupport.parkNanos(100_000);
    }
  }
}
