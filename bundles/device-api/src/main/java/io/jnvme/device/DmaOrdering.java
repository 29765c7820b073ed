package io.jnvme.device;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** The VarHandles behind {@link MemoryBlock}'s ordered accessors. */
final class DmaOrdering {
  private DmaOrdering() {}

  /**
   * Int view over byte buffers. Acquire/release/volatile modes need a direct buffer and a 4-byte
   * aligned index, which queue entries always are.
   */
  static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
}
