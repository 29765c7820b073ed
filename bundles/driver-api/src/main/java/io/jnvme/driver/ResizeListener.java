package io.jnvme.driver;

import org.osgi.annotation.versioning.ConsumerType;

/** Told when the namespace behind a handle changes size. Runs on a driver event thread. */
@ConsumerType
@FunctionalInterface
public interface ResizeListener {
  /**
   * @param nsid the namespace
   * @param oldBlockCount size before, in logical blocks
   * @param newBlockCount size now, in logical blocks
   */
  void resized(int nsid, long oldBlockCount, long newBlockCount);
}
