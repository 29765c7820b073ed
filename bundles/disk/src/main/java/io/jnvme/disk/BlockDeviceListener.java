package io.jnvme.disk;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when a {@link BlockDevice} changes size or goes away. Called on an event thread of the
 * device; implementations must return quickly.
 *
 * @since 1.0
 */
@ConsumerType
public interface BlockDeviceListener {
  /**
   * The device's size changed.
   *
   * @param oldSize the size before, in bytes
   * @param newSize the size now, in bytes
   */
  default void resized(BlockDevice device, long oldSize, long newSize) {}

  /** The namespace was removed or the device closed; every request fails from now on. */
  default void removed(BlockDevice device) {}
}
