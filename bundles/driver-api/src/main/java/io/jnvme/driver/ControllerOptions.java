package io.jnvme.driver;

import java.time.Duration;

/**
 * How a controller is brought up and run.
 *
 * @param name instance name, e.g. {@code nvme0}
 * @param maxIoQueues at most this many I/O queue pairs (the controller and interrupts may grant
 *     fewer); 0 = one per CPU
 * @param ioQueueEntries entries per I/O queue (clamped to CAP.MQES + 1)
 * @param adminQueueEntries entries of the admin queue
 * @param commandTimeout how long any command may take before it fails with
 *     {@link CommandTimeoutException}
 * @param cpuCount number of CPU slots that select I/O queues; 0 = available processors
 * @param resetOnStart reset the controller first if it is enabled
 * @param healthCheckInterval how often CSTS is polled for CFS and device loss
 * @param maxTransferBytes largest transfer of one command the driver allows (further clamped by
 *     MDTS); sets how many PRP list pages each command slot gets
 * @param keepalive queues live only in persistent memory, so that the controller can be saved
 *     and taken over by a new driver without a reset; with a non-persistent allocator, start fails
 *     and run-time queue creation falls back to an existing queue
 */
public record ControllerOptions(
    String name,
    int maxIoQueues,
    int ioQueueEntries,
    int adminQueueEntries,
    Duration commandTimeout,
    int cpuCount,
    boolean resetOnStart,
    Duration healthCheckInterval,
    long maxTransferBytes,
    boolean keepalive) {

  /** Defaults: one queue per CPU, 256-entry queues, 30 s command timeout, keepalive off. */
  public static ControllerOptions defaults(String name) {
    return new ControllerOptions(name, 0, 256, 64, Duration.ofSeconds(30), 0, true,
        Duration.ofMillis(100), 1L << 20, false);
  }

  public ControllerOptions withName(String v) {
    return new ControllerOptions(v, maxIoQueues, ioQueueEntries, adminQueueEntries,
        commandTimeout, cpuCount, resetOnStart, healthCheckInterval, maxTransferBytes, keepalive);
  }

  public ControllerOptions withMaxIoQueues(int v) {
    return new ControllerOptions(name, v, ioQueueEntries, adminQueueEntries, commandTimeout,
        cpuCount, resetOnStart, healthCheckInterval, maxTransferBytes, keepalive);
  }

  public ControllerOptions withIoQueueEntries(int v) {
    return new ControllerOptions(name, maxIoQueues, v, adminQueueEntries, commandTimeout,
        cpuCount, resetOnStart, healthCheckInterval, maxTransferBytes, keepalive);
  }

  public ControllerOptions withAdminQueueEntries(int v) {
    return new ControllerOptions(name, maxIoQueues, ioQueueEntries, v, commandTimeout, cpuCount,
        resetOnStart, healthCheckInterval, maxTransferBytes, keepalive);
  }

  public ControllerOptions withCommandTimeout(Duration v) {
    return new ControllerOptions(name, maxIoQueues, ioQueueEntries, adminQueueEntries, v,
        cpuCount, resetOnStart, healthCheckInterval, maxTransferBytes, keepalive);
  }

  public ControllerOptions withCpuCount(int v) {
    return new ControllerOptions(name, maxIoQueues, ioQueueEntries, adminQueueEntries,
        commandTimeout, v, resetOnStart, healthCheckInterval, maxTransferBytes, keepalive);
  }

  public ControllerOptions withResetOnStart(boolean v) {
    return new ControllerOptions(name, maxIoQueues, ioQueueEntries, adminQueueEntries,
        commandTimeout, cpuCount, v, healthCheckInterval, maxTransferBytes, keepalive);
  }

  public ControllerOptions withHealthCheckInterval(Duration v) {
    return new ControllerOptions(name, maxIoQueues, ioQueueEntries, adminQueueEntries,
        commandTimeout, cpuCount, resetOnStart, v, maxTransferBytes, keepalive);
  }

  public ControllerOptions withMaxTransferBytes(long v) {
    return new ControllerOptions(name, maxIoQueues, ioQueueEntries, adminQueueEntries,
        commandTimeout, cpuCount, resetOnStart, healthCheckInterval, v, keepalive);
  }

  public ControllerOptions withKeepalive(boolean v) {
    return new ControllerOptions(name, maxIoQueues, ioQueueEntries, adminQueueEntries,
        commandTimeout, cpuCount, resetOnStart, healthCheckInterval, maxTransferBytes, v);
  }
}
