package io.jnvme.driver;

import java.util.List;

/**
 * A snapshot of a controller's run-time state.
 *
 * @param name instance name
 * @param state life-cycle state
 * @param failure why it failed, or null
 * @param ioQueues the I/O queue pairs created so far
 * @param grantedIoQueues how many I/O queues the controller granted
 * @param fallbackCount CPU slots that share another slot's queue because theirs could not be made
 * @param asyncEventFailure the status of the last failed Async Event Request, or null
 * @param keepalive whether keepalive is on
 * @param lastStart how the controller last started: {@code cold}, {@code restored}, or
 *     {@code cold (<why the saved state was not used>)}
 * @param draining commands from before a restore that are still outstanding (new I/O waits)
 */
public record ControllerStatus(
    String name,
    ControllerState state,
    String failure,
    List<IoQueueInfo> ioQueues,
    int grantedIoQueues,
    int fallbackCount,
    String asyncEventFailure,
    boolean keepalive,
    String lastStart,
    int draining) {}
