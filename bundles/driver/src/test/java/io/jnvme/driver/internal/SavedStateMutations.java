package io.jnvme.driver.internal;

import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.driver.savestate.NamespaceState;
import io.jnvme.driver.savestate.PendingCommand;
import io.jnvme.driver.savestate.QueueState;
import java.util.ArrayList;
import java.util.List;

/**
 * Saved states that pass the codec (right checksum, sane lengths) but do not fit the device or
 * the memory they name: what restore must refuse by starting cold, never by crashing.
 */
final class SavedStateMutations {
  private SavedStateMutations() {}

  static ControllerSavedState mutate(ControllerSavedState s, String field) {
    return switch (field) {
      case "cpuCount" -> with(s, Integer.MAX_VALUE, s.ioQueues(), s.cpuQueues(), s.namespaces());
      case "vector" -> withQueue(s, q -> new QueueState(q.qid(), q.cpu(), 999, q.entries(),
          q.sqTail(), q.sqHead(), q.cqHead(), q.phase(), q.prpPagesPerSlot(), q.sq(), q.cq(),
          q.prp(), q.generations(), q.pending()));
      case "pendingCid" -> withQueue(s, q -> {
        List<PendingCommand> p = new ArrayList<>(q.pending());
        p.add(new PendingCommand(0x7FFF, 0x01, 1, false));
        return new QueueState(q.qid(), q.cpu(), q.vector(), q.entries(), q.sqTail(), q.sqHead(),
            q.cqHead(), q.phase(), q.prpPagesPerSlot(), q.sq(), q.cq(), q.prp(), q.generations(),
            p);
      });
      // A ring larger than its memory and than CAP.MQES allows.
      case "entries" -> withQueue(s, q -> new QueueState(q.qid(), q.cpu(), q.vector(), 65536,
          q.sqTail(), q.sqHead(), q.cqHead(), q.phase(), q.prpPagesPerSlot(), q.sq(), q.cq(),
          q.prp(), new int[65535], q.pending()));
      case "cpuQueues" -> with(s, s.cpuCount(), s.ioQueues(), new int[] {77, -1, 0, 65535},
          s.namespaces());
      case "namespaceIdentify" -> {
        List<NamespaceState> ns = new ArrayList<>();
        for (NamespaceState n : s.namespaces()) {
          byte[] garbage = new byte[n.identify().length];
          java.util.Arrays.fill(garbage, (byte) 0xFF);
          ns.add(new NamespaceState(n.nsid(), garbage, n.owner()));
        }
        yield with(s, s.cpuCount(), s.ioQueues(), s.cpuQueues(), ns);
      }
      default -> throw new IllegalArgumentException(field);
    };
  }

  private static ControllerSavedState withQueue(ControllerSavedState s,
      java.util.function.UnaryOperator<QueueState> change) {
    List<QueueState> io = new ArrayList<>(s.ioQueues());
    io.set(0, change.apply(io.get(0)));
    return with(s, s.cpuCount(), io, s.cpuQueues(), s.namespaces());
  }

  private static ControllerSavedState with(ControllerSavedState s, int cpuCount,
      List<QueueState> io, int[] cpuQueues, List<NamespaceState> ns) {
    return new ControllerSavedState(s.version(), s.deviceId(), s.name(), s.savedAtMillis(),
        s.identifyController(), s.maxTransferBytes(), s.grantedIoQueues(), s.maxIoQueues(),
        cpuCount, s.nextQid(), s.fallbackCount(), s.adminData(), s.admin(), List.copyOf(io),
        cpuQueues, List.copyOf(ns));
  }
}
