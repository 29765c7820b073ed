package io.jnvme.transport.qemu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.DmaClient;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PagePoolConfig;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.Cqe;
import io.jnvme.spec.Sqe;
import io.jnvme.transport.qemu.RecoveryReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ring journal without QEMU: a page pool with device-address base 0 stands in for guest RAM,
 * the test plays both the driver (writes entries, rings doorbells) and the device (posts
 * completions), and stops between the halves of a doorbell write as a SIGKILL can.
 */
class RingJournalTest {
  private static final int ENTRIES = 8;
  @TempDir Path dir;
  private PagePool pool;
  private GuestRam ram;
  private RingJournal journal;
  private MemoryBlock asq;
  private MemoryBlock acq;
  private MemoryBlock sq1;
  private MemoryBlock cq1;
  private final List<String> rung = new ArrayList<>();
  private int adminTail;
  private int adminCqTail;
  private int ioTail;
  private int ioCqTail;

  @BeforeEach
  void setUp() throws Exception {
    Path file = dir.resolve("ram");
    pool = PagePool.open(new PagePoolConfig(file, 4L << 20, 0, 16));
    ram = GuestRam.map(file, 4L << 20);
    DmaClient c = pool.clientFor("dev");
    journal = RingJournal.open(c.allocate(RingJournal.sizeFor(4), "j"), ram, 4);
    asq = c.allocate(4096, "asq");
    acq = c.allocate(4096, "acq");
    sq1 = c.allocate(4096, "sq1");
    cq1 = c.allocate(4096, "cq1");
    // The driver's bring-up: AQA, ASQ, ACQ, then CC.EN = 1.
    journal.aqaWritten(((ENTRIES - 1) << 16) | (ENTRIES - 1));
    journal.asqWritten(asq.deviceAddress(0));
    journal.acqWritten(acq.deviceAddress(0));
    journal.ccWritten(0x0046_0001);
    // Create I/O CQ 1 and SQ 1, completed by the "device".
    admin(1, AdminOpcode.CREATE_IO_CQ.raw(), cq1.deviceAddress(0), ((ENTRIES - 1) << 16) | 1,
        (1 << 16) | 3);
    admin(2, AdminOpcode.CREATE_IO_SQ.raw(), sq1.deviceAddress(0), ((ENTRIES - 1) << 16) | 1,
        (1 << 16) | 1);
    journal.sqDoorbell(0, adminTail);
    complete(acq, adminCqTail++, 0, 1, adminTail);
    complete(acq, adminCqTail++, 0, 2, adminTail);
    journal.cqDoorbell(0, adminCqTail);
    assertEquals(List.of(0, 1), journal.queueIds());
  }

  @AfterEach
  void tearDown() {
    pool.close();
  }

  private void sqe(MemoryBlock sq, int index, int opcode, int cid, long prp1, int cdw10,
      int cdw11) {
    long e = (long) index * Sqe.SIZE;
    sq.zero(e, Sqe.SIZE);
    sq.putInt(e + Sqe.CDW0_OFFSET, opcode | (cid << 16));
    sq.putLong(e + Sqe.PRP1_OFFSET, prp1);
    sq.putInt(e + Sqe.CDW10_OFFSET, cdw10);
    sq.putInt(e + Sqe.CDW11_OFFSET, cdw11);
  }

  private void admin(int cid, int opcode, long prp1, int cdw10, int cdw11) {
    sqe(asq, adminTail, opcode, cid, prp1, cdw10, cdw11);
    adminTail = (adminTail + 1) % ENTRIES;
  }

  private void io(int cid) {
    sqe(sq1, ioTail, 0x01, cid, 0, 0, 0);
    ioTail = (ioTail + 1) % ENTRIES;
  }

  /** The device posts a completion at {@code index} (phase 1 on the first lap). */
  private static void complete(MemoryBlock cq, int index, int sqid, int cid, int sqhd) {
    long e = (long) (index % ENTRIES) * Cqe.SIZE;
    int phase = index / ENTRIES % 2 == 0 ? 1 : 0;
    cq.putInt(e, 0);
    cq.putInt(e + 4, 0);
    cq.putInt(e + Cqe.SQHD_OFFSET, (sqid << 16) | sqhd);
    cq.putIntRelease(e + Cqe.DW3_OFFSET, (phase << 16) | cid);
  }

  private RecoveryReport recover(long millis) {
    return journal.recover(0x0046_0001, 1, (qid, sq, v) -> rung.add((sq ? "sq" : "cq") + qid
        + "=" + v), TimeUnit.MILLISECONDS.toNanos(millis));
  }

  @Test
  void recoveryDrainsTheDeadProcessesCommandsAndKeepsTheAsyncEventRequest() {
    admin(3, AdminOpcode.ASYNC_EVENT_REQUEST.raw(), 0, 0, 0);
    journal.sqDoorbell(0, adminTail);
    io(10);
    io(11);
    io(12);
    journal.sqDoorbell(1, ioTail);
    // 11 completes and is consumed; 10 and 12 complete, the process dies before consuming.
    complete(cq1, ioCqTail++, 1, 11, 3);
    journal.cqDoorbell(1, ioCqTail);
    complete(cq1, ioCqTail++, 1, 10, 3);
    complete(cq1, ioCqTail++, 1, 12, 3);
    assertTrue(journal.isOutstanding(1, 10));
    assertFalse(journal.isOutstanding(1, 11));

    RecoveryReport r = recover(1000);
    assertEquals(2, r.drained());
    assertEquals(0, r.stale());
    assertEquals(0, r.rolledBack());
    RecoveryReport.Queue q1 = r.queue(1);
    assertEquals(3, q1.sqTail());
    assertEquals(3, q1.sqHead());
    assertEquals(3, q1.cqHead());
    assertTrue(q1.phase());
    assertTrue(q1.outstanding().isEmpty());
    assertEquals(List.of(new RecoveryReport.Outstanding(3,
        AdminOpcode.ASYNC_EVENT_REQUEST.raw())), r.queue(0).outstanding());
    // Tails announced again where commands were outstanding, then the drained CQ head.
    assertEquals(List.of("sq0=3", "sq1=3", "cq1=3"), rung);
  }

  @Test
  void killedBetweenJournalAndDoorbellTheUnannouncedEntriesAreRolledBack() {
    io(20);
    journal.sqDoorbell(1, ioTail);
    io(21);
    journal.journalSubmissions(1, ioTail); // killed before the tail was committed and rung
    assertTrue(journal.isOutstanding(1, 21));
    complete(cq1, ioCqTail++, 1, 20, 1);

    RecoveryReport r = recover(1000);
    assertEquals(1, r.rolledBack());
    assertEquals(1, r.drained());
    assertFalse(journal.isOutstanding(1, 21));
    assertEquals(1, r.queue(1).sqTail(), "the committed tail, not the intended one");
    assertEquals(List.of("sq1=1", "cq1=1"), rung);
  }

  @Test
  void killedBetweenConsumingAndHeadCommitTheEntriesAreDroppedAsStale() {
    io(30);
    io(31);
    journal.sqDoorbell(1, ioTail);
    complete(cq1, ioCqTail++, 1, 30, 2);
    complete(cq1, ioCqTail++, 1, 31, 2);
    int phase = journal.journalCompletions(1, ioCqTail); // killed before the head commit
    assertEquals(1, phase);
    RecoveryReport r = recover(1000);
    assertEquals(2, r.stale());
    assertEquals(0, r.drained());
    assertEquals(2, r.queue(1).cqHead());
  }

  @Test
  void phaseFollowsTheRingAcrossLaps() {
    for (int lap = 0; lap < 3; lap++) {
      for (int i = 0; i < ENTRIES - 1; i++) {
        io(100 + i);
        journal.sqDoorbell(1, ioTail);
        complete(cq1, ioCqTail++, 1, 100 + i, ioTail);
        journal.cqDoorbell(1, ioCqTail % ENTRIES);
      }
    }
    RecoveryReport r = recover(1000);
    int consumed = 3 * (ENTRIES - 1);
    assertEquals(consumed % ENTRIES, r.queue(1).cqHead());
    assertEquals(consumed / ENTRIES % 2 == 0, r.queue(1).phase());
    assertEquals(0, r.drained());
  }

  @Test
  void aCommandThatNeverCompletesFailsRecoveryNamingIt() {
    io(40);
    journal.sqDoorbell(1, ioTail);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> recover(100));
    assertTrue(e.getMessage().contains("qid=1 cid=40"), e.getMessage());
  }

  @Test
  void resetForgetsTheQueuesAndIsCounted() {
    io(50);
    journal.sqDoorbell(1, ioTail);
    journal.ccWritten(0x0046_0000);
    assertEquals(1, journal.resets());
    assertEquals(List.of(), journal.queueIds());
    assertFalse(journal.isOutstanding(1, 50));
  }

  @Test
  void aQueueBeyondTheJournalMakesRecoveryImpossible() {
    admin(5, AdminOpcode.CREATE_IO_CQ.raw(), cq1.deviceAddress(0), ((ENTRIES - 1) << 16) | 9, 1);
    journal.sqDoorbell(0, adminTail);
    assertTrue(journal.untracked());
    assertThrows(IllegalStateException.class, () -> recover(100));
    // A reset makes it trackable again.
    journal.ccWritten(0);
    assertFalse(journal.untracked());
  }
}
