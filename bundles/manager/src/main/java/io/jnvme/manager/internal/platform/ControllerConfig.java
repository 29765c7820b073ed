package io.jnvme.manager.internal.platform;

import java.time.Duration;
import java.util.Map;

/**
 * One controller as configured: which transport opens its device, with which options, and how
 * the driver runs it.
 *
 * @param name instance name ({@code nvme0})
 * @param transport {@code emulated}, {@code qemu}, {@code vfio}
 * @param transportOptions options for the transport's device factory
 * @param keepalive keep queues in persistent memory and save/restore across servicing
 * @param maxIoQueues at most this many I/O queues (0 = one per CPU)
 * @param ioQueueEntries entries per I/O queue
 * @param commandTimeout command timeout
 * @param owner who owns the controller, or empty
 * @param cpuCount CPU slots selecting I/O queues (0 = available processors)
 */
public record ControllerConfig(
    String name,
    String transport,
    Map<String, String> transportOptions,
    boolean keepalive,
    int maxIoQueues,
    int ioQueueEntries,
    Duration commandTimeout,
    String owner,
    int cpuCount) {

  /**
   * Parses transport options written as {@code key=value} pairs separated by {@code ;}, so that
   * values may contain commas ({@code namespaces=1:64M,2:8M;mdts=5}).
   *
   * @throws IllegalArgumentException for an entry without {@code =}
   */
  public static Map<String, String> parseOptions(String text) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String part : text.split(";")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("transport option '" + p + "' is not key=value");
      }
      out.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
    }
    return out;
  }

  /** Checks the name and transport. */
  public ControllerConfig {
    if (name == null || !name.matches("[A-Za-z][A-Za-z0-9_-]{0,31}")) {
      throw new IllegalArgumentException("controller name '" + name + "' must start with a letter"
          + " and have at most 32 letters, digits, '_' or '-'");
    }
    if (transport == null || transport.isBlank()) {
      throw new IllegalArgumentException("controller " + name + ": no transport configured");
    }
    transportOptions = Map.copyOf(transportOptions);
    if (cpuCount < 0 || maxIoQueues < 0 || ioQueueEntries < 2 || commandTimeout.isNegative()
        || commandTimeout.isZero()) {
      throw new IllegalArgumentException("controller " + name + ": maxIoQueues >= 0,"
          + " ioQueueEntries >= 2 and a positive command timeout are required");
    }
  }
}
