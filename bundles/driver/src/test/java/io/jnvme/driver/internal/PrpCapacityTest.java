package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrpCapacityTest {
  @Test
  void onePagePerSlotCoversOneMebibyteAtAnyAlignment() {
    assertEquals(1, QueuePair.prpPagesFor(1 << 20));
    assertTrue(QueuePair.maxTransferFor(1) >= (1 << 20));
  }

  @Test
  void twoMebibytesFillOneListPageAndMoreNeedsAChain() {
    // 2 MiB unaligned touches 513 pages: PRP1 + 512 list entries, exactly one full list page.
    assertEquals(1, QueuePair.prpPagesFor(2 << 20));
    // Two more pages: 514 entries, so the first list page gives its last entry to a chain.
    assertEquals(2, QueuePair.prpPagesFor((2 << 20) + 8192));
    assertTrue(QueuePair.maxTransferFor(2) >= (2 << 20) + 8192);
  }

  @Test
  void capacityIsMonotoneAndNeverShort() {
    for (int pages = 1; pages < 40; pages++) {
      long max = QueuePair.maxTransferFor(pages);
      assertEquals(pages, QueuePair.prpPagesFor(max), "pages=" + pages);
      assertTrue(QueuePair.prpPagesFor(max + 4096) > pages);
    }
  }
}
