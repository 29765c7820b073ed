package io.jnvme.dma.lockmem.internal;

import io.jnvme.device.DmaException;
import io.jnvme.device.MemoryBlock;

/**
 * Run in a child JVM under a small RLIMIT_MEMLOCK: allocates {@code args[0]} bytes and prints
 * {@code OK} (exit 0) or the DmaException message (exit 3).
 */
public final class MlockLimitProbe {
  private MlockLimitProbe() {}

  public static void main(String[] args) {
    long size = Long.parseLong(args[0]);
    try (MemoryBlock b = new LockedMemoryProvider().clientFor("probe").allocate(size, "probe")) {
      System.out.println("OK " + b.size());
      System.exit(0);
    } catch (DmaException e) {
      System.out.println("DMAEXCEPTION " + e.getMessage());
      System.exit(3);
    }
  }
}
