package io.jnvme.manager;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.osgi.annotation.versioning.ProviderType;

/** The platform's configured controllers (one per {@code io.jnvme.controller} configuration). */
@ProviderType
public interface PlatformControllers {
  /** Every configured controller, by name. */
  List<ControllerView> controllers();

  /**
   * Waits until {@code condition} holds for the controllers, re-checking whenever one changes.
   *
   * @return true if it holds, false on timeout
   * @throws InterruptedException if the waiting thread is interrupted
   */
  boolean await(Predicate<List<ControllerView>> condition, Duration timeout)
      throws InterruptedException;
}
