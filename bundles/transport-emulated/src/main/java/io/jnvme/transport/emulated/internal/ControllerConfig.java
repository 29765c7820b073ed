package io.jnvme.transport.emulated.internal;

import io.jnvme.transport.emulated.EmulatedNamespace;
import java.time.Duration;
import java.util.Map;

/**
 * Everything the builder collected, validated. The engine never changes it.
 *
 * @param name controller name, e.g. {@code nvme0}
 * @param serialNumber Identify Controller SN
 * @param modelNumber Identify Controller MN
 * @param firmwareRevision Identify Controller FR
 * @param maxQueueEntries CAP.MQES + 1
 * @param maxIoQueues I/O queues of each kind the controller can grant
 * @param interruptVectors MSI-X vectors
 * @param mdts Identify Controller MDTS, 0 = no limit
 * @param capTimeout CAP.TO, 500 ms units
 * @param dstrd CAP.DSTRD
 * @param maxNamespaceId Identify Controller NN
 * @param vendorId Identify Controller VID and SSVID
 * @param readyDelay time from CC.EN = 1 to CSTS.RDY = 1
 * @param inlineExecution execute commands on the thread that rings the SQ doorbell
 * @param commandLogCapacity entries kept in the command log
 * @param namespaces the namespaces at start, by NSID
 */
public record ControllerConfig(
    String name,
    String serialNumber,
    String modelNumber,
    String firmwareRevision,
    int maxQueueEntries,
    int maxIoQueues,
    int interruptVectors,
    int mdts,
    int capTimeout,
    int dstrd,
    int maxNamespaceId,
    int vendorId,
    Duration readyDelay,
    boolean inlineExecution,
    int commandLogCapacity,
    Map<Integer, EmulatedNamespace> namespaces) {

  /** Largest transfer in bytes; {@link Long#MAX_VALUE} when MDTS is 0 (no limit). */
  public long mdtsBytes() {
    return mdts == 0 ? Long.MAX_VALUE : (long) Constants.PAGE_SIZE << mdts;
  }

  /** The device id, {@code emulated:<name>}. */
  public String deviceId() {
    return Constants.TRANSPORT + ":" + name;
  }
}
