package io.jnvme.manager.internal.platform;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The configured controllers of this manager bundle, for the status command and for servicing,
 * which must wait until every controller is back.
 */
public final class Platform {
  private final List<ConfiguredController> controllers = new ArrayList<>();

  public synchronized void add(ConfiguredController c) {
    controllers.add(c);
    notifyAll();
  }

  public synchronized void remove(ConfiguredController c) {
    controllers.remove(c);
    notifyAll();
  }

  /** Every configured controller, by name. */
  public synchronized List<ConfiguredController> controllers() {
    List<ConfiguredController> out = new ArrayList<>(controllers);
    out.sort(Comparator.comparing(c -> c.config().name()));
    return out;
  }

  /** Wakes {@link #awaitSettled} after a controller changed phase. */
  public synchronized void changed() {
    notifyAll();
  }

  /** Waits until {@code condition} holds, re-checked on every change. */
  public synchronized boolean await(
      java.util.function.Predicate<List<ConfiguredController>> condition, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!condition.test(controllers())) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return false;
      }
      wait(Math.min(left, 100));
    }
    return true;
  }

  /**
   * Waits until no controller is servicing or waiting for the driver: each is running, failed or
   * stopped.
   *
   * @return true if settled, false on timeout
   */
  public synchronized boolean awaitSettled(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      boolean settled = controllers.stream().allMatch(c -> c.phase() == ConfiguredController.Phase.RUNNING
          || c.phase() == ConfiguredController.Phase.FAILED
          || c.phase() == ConfiguredController.Phase.STOPPED);
      long left = deadline - System.currentTimeMillis();
      if (settled || left <= 0) {
        return settled;
      }
      wait(Math.min(left, 100));
    }
  }
}
