package io.jnvme.manager;

import java.time.Instant;
import java.util.List;

/**
 * The result of one servicing: the driver bundle replaced while the controllers stayed up.
 *
 * @param at when it started
 * @param driverFrom the driver bundle version before
 * @param driverTo the driver bundle version after
 * @param totalMillis the whole servicing, update and refresh included
 * @param controllers per controller
 */
public record ServicingReport(
    Instant at, String driverFrom, String driverTo, long totalMillis,
    List<ControllerServicing> controllers) {

  /** True if every controller came back. */
  public boolean ok() {
    return controllers.stream().allMatch(c -> c.error() == null);
  }
}
