package io.jnvme.disk;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Called once when an asynchronous {@link BlockDevice} request ends, on a driver completion
 * thread or on the submitting thread. It must be quick and must not block or submit synchronous
 * requests.
 *
 * @since 1.0
 */
@ConsumerType
@FunctionalInterface
public interface DiskCompletion {
  /**
   * @param context the value given at submission
   * @param error null on success; otherwise why the request failed
   */
  void completed(long context, DiskException error);
}
