package io.jnvme.transport.qemu;

import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.driver.savestate.PendingCommand;
import io.jnvme.driver.savestate.QueueState;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Turns a driver checkpoint (a {@code save()} taken while the driver ran, followed by
 * {@code resumeAfterSave()}) and the transport's {@link RecoveryReport} into the saved state of
 * the controller as it is after {@link QemuMachine#recover}: everything static (Identify data,
 * queue ids, entries, vectors, memory blocks, namespaces) from the checkpoint, every ring
 * position and the commands still outstanding from the report. The driver's {@code restore}
 * then takes the queues over without a reset.
 *
 * <p>It refuses when the queues changed since the checkpoint (created, deleted, moved, resized):
 * the checkpoint must be taken after the last queue was created.
 */
final class CheckpointRecovery {
  private CheckpointRecovery() {}

  /**
   * @param stamp the save stamp the controller's memory holds now: recovery rebuilt every ring
   *     position from the live controller, so the patched state is current and carries it (the
   *     driver refuses a state whose stamp memory no longer holds, as it does a stale one)
   */
  static ControllerSavedState patch(ControllerSavedState cp, RecoveryReport r, long stamp) {
    TreeSet<Integer> saved = new TreeSet<>();
    saved.add(cp.admin().qid());
    cp.ioQueues().forEach(q -> saved.add(q.qid()));
    TreeSet<Integer> live = new TreeSet<>();
    r.queues().forEach(q -> live.add(q.qid()));
    if (!saved.equals(live)) {
      throw new IllegalStateException("queues changed since the checkpoint: checkpoint " + saved
          + ", controller " + live);
    }
    QueueState admin = patch(cp.admin(), r.queue(cp.admin().qid()));
    List<QueueState> io = new ArrayList<>();
    for (QueueState q : cp.ioQueues()) {
      io.add(patch(q, r.queue(q.qid())));
    }
    return new ControllerSavedState(cp.version(), cp.deviceId(), cp.name(),
        stamp, cp.identifyController(), cp.maxTransferBytes(),
        cp.grantedIoQueues(), cp.maxIoQueues(), cp.cpuCount(), cp.nextQid(), cp.fallbackCount(),
        cp.adminData(), admin, io, cp.cpuQueues(), cp.namespaces());
  }

  private static QueueState patch(QueueState q, RecoveryReport.Queue r) {
    if (r.sqEntries() != q.entries() || r.cqEntries() != q.entries()
        || r.sqBase() != q.sq().deviceAddress() || r.cqBase() != q.cq().deviceAddress()) {
      throw new IllegalStateException("queue " + q.qid() + " moved or was resized since the"
          + " checkpoint: " + r);
    }
    List<PendingCommand> pending = new ArrayList<>();
    for (RecoveryReport.Outstanding o : r.outstanding()) {
      pending.add(new PendingCommand(o.cid(), o.opcode(), 0, false));
    }
    return new QueueState(q.qid(), q.cpu(), q.vector(), q.entries(), r.sqTail(), r.sqHead(),
        r.cqHead(), r.phase(), q.prpPagesPerSlot(), q.sq(), q.cq(), q.prp(), q.generations(),
        pending);
  }
}
