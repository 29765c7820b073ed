package io.jnvme.driver.internal;

import io.jnvme.driver.IoCompletion;
import io.jnvme.driver.NvmeException;

/** An internal completion that also wants completion dword 0 (Async Event Requests). */
interface DwordCompletion extends IoCompletion {
  void completed(long context, int dw0, NvmeException error);

  @Override
  default void completed(long context, NvmeException error) {
    completed(context, 0, error);
  }
}
