package io.jnvme.driver;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Called once when an asynchronously submitted command ends. Runs on a driver completion thread:
 * it must be quick and must not block. It may submit further commands, and may put work that is
 * cheaper once per batch of completions off to the batch's end ({@link CompletionBatch#defer}).
 */
@ConsumerType
@FunctionalInterface
public interface IoCompletion {
  /**
   * @param context the value given at submission
   * @param error null on success; otherwise why the command failed
   */
  void completed(long context, NvmeException error);
}
