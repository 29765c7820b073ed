package io.jnvme.transport.emulated;

import io.jnvme.spec.Status;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Fault injection into one {@link EmulatedController}: per-command rules, and switches for whole
 * controller failures. Everything takes effect immediately and is safe to call from any thread;
 * nothing here is reset by a controller reset, only by {@link #clear()}.
 *
 * @since 1.0
 */
@ProviderType
public interface FaultInjector {
  /**
   * Adds a rule: commands that {@code match} accepts get {@code action} instead of normal
   * processing. Matching happens when the controller fetches a command from its submission queue.
   */
  FaultRule add(CommandMatch match, FaultAction action);

  /** The rules added and not removed, in order, including exhausted ones. */
  List<FaultRule> rules();

  /** Removes every rule and turns every switch off; the ready delay goes back to the builder's. */
  void clear();

  /**
   * Controller Fatal Status: CSTS.CFS reads 1, CSTS.RDY does not come up, and no command is
   * fetched or completed while on. Turning it off lets a reset and enable recover.
   */
  void setFatalStatus(boolean on);

  boolean fatalStatus();

  /**
   * Device gone: every register reads all ones and register writes are ignored. Turning it off
   * makes the device answer again, in the state it was left in.
   */
  void registersAllOnes(boolean on);

  boolean registersAllOnes();

  /** CC.EN = 1 never sets CSTS.RDY while on; turning it off lets a pending enable finish. */
  void neverReady(boolean on);

  boolean neverReady();

  /** Delay between CC.EN = 1 and CSTS.RDY = 1 for later enables; zero for none. */
  void readyDelay(Duration delay);

  /**
   * Shortcut: every Create I/O Completion Queue and Create I/O Submission Queue fails, with
   * Invalid Queue Identifier (what a controller out of queues returns), without side effects.
   */
  void failIoQueueCreation(boolean on);

  /** As {@link #failIoQueueCreation(boolean)} with a chosen status; null turns it off. */
  void failIoQueueCreation(Status status);

  /** The status queue creation fails with, if that switch is on. */
  Optional<Status> ioQueueCreationFailure();

  /** {@link io.jnvme.device.Device#mapDma} throws a {@link io.jnvme.device.DeviceException}. */
  void failDmaMapping(boolean on);

  boolean failDmaMapping();
}
