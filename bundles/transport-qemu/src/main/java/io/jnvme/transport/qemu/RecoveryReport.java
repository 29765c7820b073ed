package io.jnvme.transport.qemu;

import java.util.List;

/**
 * What {@link QemuMachine#recover} found and did after a driver process died without saving:
 * where every queue's rings stand now that the commands of the dead process have completed, so
 * that a new driver can take the queues over (for this driver: by putting these positions into
 * its last checkpoint of the saved state).
 *
 * @param cc the Controller Configuration register, unchanged by recovery
 * @param csts the Controller Status register
 * @param resets controller resets (CC.EN 1 to 0) made through this transport since the instance
 *     started; recovery makes none
 * @param queues every queue the ring journal knows, admin queue first
 * @param drained completions of the dead process's commands consumed by recovery
 * @param stale completions found that the dead process had already consumed without telling the
 *     device (its CQ head doorbell had not been written yet); consumed again and dropped
 * @param asyncEventsLost Asynchronous Event Request completions consumed by recovery: events that
 *     arrived while nobody listened
 * @param rolledBack submissions written to a ring but never announced with a doorbell; dropped
 * @since 1.0
 */
public record RecoveryReport(
    int cc,
    int csts,
    long resets,
    List<Queue> queues,
    int drained,
    int stale,
    int asyncEventsLost,
    int rolledBack) {

  public RecoveryReport {
    queues = List.copyOf(queues);
  }

  /**
   * One queue pair after recovery. Nothing is outstanding on it but {@code outstanding}
   * (Asynchronous Event Requests, which stay with the controller until an event happens).
   *
   * @param qid queue id, 0 for the admin queue
   * @param sqEntries submission ring entries
   * @param cqEntries completion ring entries
   * @param sqBase the submission ring's guest-physical address
   * @param cqBase the completion ring's guest-physical address
   * @param sqTail the submission tail the device has been told
   * @param sqHead the submission head: equal to the tail, every entry was fetched
   * @param cqHead the completion head the device has been told
   * @param phase the phase tag the next completion at {@code cqHead} will carry
   * @param outstanding commands still with the controller
   */
  public record Queue(int qid, int sqEntries, int cqEntries, long sqBase, long cqBase, int sqTail,
      int sqHead, int cqHead, boolean phase, List<Outstanding> outstanding) {
    public Queue {
      outstanding = List.copyOf(outstanding);
    }
  }

  /**
   * A command the controller still holds.
   *
   * @param cid command identifier
   * @param opcode opcode
   */
  public record Outstanding(int cid, int opcode) {}

  /** The queue {@code qid}, or null. */
  public Queue queue(int qid) {
    for (Queue q : queues) {
      if (q.qid() == qid) {
        return q;
      }
    }
    return null;
  }
}
