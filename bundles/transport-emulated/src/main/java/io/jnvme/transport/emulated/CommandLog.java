package io.jnvme.transport.emulated;

import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.NvmOpcode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Every command the controller fetched, oldest first, in a bounded ring (the builder's
 * {@code commandLogCapacity}, 100,000 by default; the oldest entries are overwritten). Tests assert
 * on it: "exactly one CREATE_IO_SQ", "a WRITE with FUA reached the device", "no IDENTIFY after X".
 * Controllers configured through OSGi or transport options (the platform's) have it off unless
 * {@code commandLogCapacity} is set: each entry is an object per command. Thread safe.
 *
 * @since 1.0
 */
@ProviderType
public interface CommandLog {
  /** A snapshot of the entries, oldest first. */
  List<CommandLogEntry> entries();

  /** A snapshot of the entries that {@code filter} accepts, oldest first. */
  List<CommandLogEntry> entries(Predicate<? super CommandLogEntry> filter);

  /** How many entries {@code filter} accepts. */
  long count(Predicate<? super CommandLogEntry> filter);

  /** How many admin commands with opcode {@code op} are in the log. */
  default long count(AdminOpcode op) {
    return count(e -> e.is(op));
  }

  /** How many I/O commands with opcode {@code op} are in the log. */
  default long count(NvmOpcode op) {
    return count(e -> e.is(op));
  }

  /** The newest entry {@code filter} accepts. */
  Optional<CommandLogEntry> last(Predicate<? super CommandLogEntry> filter);

  /**
   * Waits until an entry that {@code filter} accepts is in the log (checking entries already there
   * first, and again whenever an entry is added or finishes), or until the timeout.
   *
   * @return the oldest such entry, or empty on timeout
   * @throws InterruptedException if the waiting thread is interrupted
   */
  Optional<CommandLogEntry> await(Predicate<? super CommandLogEntry> filter, Duration timeout)
      throws InterruptedException;

  /** Forgets every entry; sequence numbers go on. */
  void clear();

  /** Number of entries held now. */
  int size();

  /** Most entries held; 0 means logging is off. */
  int capacity();

  /** Entries recorded since the controller was built, including overwritten and cleared ones. */
  long totalRecorded();
}
