package io.jnvme.driver.savestate;

import java.util.List;

/**
 * Everything a new driver needs to take over a running controller without resetting it.
 *
 * @param version format version this state was decoded from (or will be encoded as)
 * @param deviceId the device it belongs to
 * @param name the controller's instance name
 * @param savedAtMillis wall-clock time of the save
 * @param identifyController the 4096-byte Identify Controller data
 * @param maxTransferBytes the transfer limit in force
 * @param grantedIoQueues I/O queues the controller granted
 * @param maxIoQueues I/O queues the driver allowed itself
 * @param cpuCount CPU slots
 * @param nextQid the next queue id to use (ids are never reused)
 * @param fallbackCount CPU slots sharing another's queue (version 1: decodes as 0)
 * @param adminData the admin data page's block
 * @param admin the admin queue
 * @param ioQueues the I/O queues
 * @param cpuQueues for each CPU slot, the qid of its queue, or 0 if it had none yet
 * @param namespaces open and restored-but-unclaimed namespaces
 */
public record ControllerSavedState(
    int version,
    String deviceId,
    String name,
    long savedAtMillis,
    byte[] identifyController,
    long maxTransferBytes,
    int grantedIoQueues,
    int maxIoQueues,
    int cpuCount,
    int nextQid,
    int fallbackCount,
    BlockRef adminData,
    QueueState admin,
    List<QueueState> ioQueues,
    int[] cpuQueues,
    List<NamespaceState> namespaces) {

  /** Commands outstanding on I/O queues (what the drain barrier waits for after restore). */
  public int pendingIoCommands() {
    return ioQueues.stream().mapToInt(q -> q.pending().size()).sum();
  }

  /** This state marked to be encoded as another format version. */
  public ControllerSavedState withVersion(int v) {
    return new ControllerSavedState(v, deviceId, name, savedAtMillis, identifyController,
        maxTransferBytes, grantedIoQueues, maxIoQueues, cpuCount, nextQid, fallbackCount,
        adminData, admin, ioQueues, cpuQueues, namespaces);
  }
}
