package io.jnvme.device;

import java.util.concurrent.TimeUnit;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One interrupt vector. A signal raised while nobody waits is remembered, so a waiter that checks
 * its queue and then waits can never miss a completion that arrived in between.
 */
@ProviderType
public interface DeviceInterrupt {
  /** The vector number. */
  int vector();

  /**
   * Waits until the vector fires or the timeout passes, and clears the pending signal.
   *
   * @return true if the vector fired, false on timeout
   * @throws InterruptedException if the waiting thread is interrupted
   */
  boolean await(long timeout, TimeUnit unit) throws InterruptedException;

  /**
   * Wakes any waiter as if the vector fired. The driver uses this to stop its completion threads.
   */
  void wake();
}
