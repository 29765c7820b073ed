package io.jnvme.transport.emulated.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jnvme.spec.Status;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PrpWalkTest {
  private static final long DATA = 0x100_0000;
  private static final long LISTS = 0x200_0000;
  private DmaSpace dma;
  private ScatteredBlock lists;

  @BeforeEach
  void setUp() throws Exception {
    dma = new DmaSpace();
    long[] pages = new long[1100];
    for (int i = 0; i < pages.length; i++) {
      // Data pages in reverse order: the walk must follow the entries, not assume contiguity.
      pages[i] = DATA + (long) (pages.length - 1 - i) * 4096;
    }
    dma.map(new ScatteredBlock(pages));
    lists = new ScatteredBlock(LISTS, LISTS + 4096, LISTS + 8192);
    dma.map(lists);
  }

  private long page(int i) {
    return DATA + (long) (1099 - i) * 4096;
  }

  private void entry(int listPage, int slot, long value) {
    lists.putLong(listPage * 4096L + slot * 8L, value);
  }

  @Test
  void singlePageAndTwoPageTransfers() {
    PrpWalk w = new PrpWalk();
    assertEquals(Status.SUCCESS, w.walk(dma, page(0) + 100, 0, 3996));
    assertEquals(1, w.count());
    assertEquals(Status.SUCCESS, w.walk(dma, page(0) + 100, page(1), 3997));
    assertEquals(2, w.count());
    assertEquals(1, w.length(1));
    assertEquals(Status.INVALID_PRP_OFFSET, w.walk(dma, page(0) + 100, page(1) + 4, 3997));
    assertEquals(Status.INVALID_PRP_OFFSET, w.walk(dma, page(0) + 1, 0, 10));
  }

  @Test
  void exactlyOneFullListPageNeedsNoChain() {
    // PRP1 plus 512 list entries: the last slot is data, not a pointer.
    for (int i = 0; i < 512; i++) {
      entry(0, i, page(1 + i));
    }
    PrpWalk w = new PrpWalk();
    assertEquals(Status.SUCCESS, w.walk(dma, page(0), LISTS, 513L * 4096));
    assertEquals(513, w.count());
  }

  @Test
  void oneMorePageChainsToTheNextListPage() {
    for (int i = 0; i < 511; i++) {
      entry(0, i, page(1 + i));
    }
    entry(0, 511, LISTS + 4096);
    entry(1, 0, page(512));
    entry(1, 1, page(513));
    PrpWalk w = new PrpWalk();
    assertEquals(Status.SUCCESS, w.walk(dma, page(0), LISTS, 514L * 4096 - 100));
    assertEquals(514, w.count());
    assertEquals(4096 - 100, w.length(513));
    // A misaligned chain pointer is an invalid offset.
    entry(0, 511, LISTS + 4096 + 8);
    assertEquals(Status.INVALID_PRP_OFFSET, w.walk(dma, page(0), LISTS, 514L * 4096));
    // A chain pointer to unmapped memory is a transfer error.
    entry(0, 511, 0x900_0000);
    assertEquals(Status.DATA_TRANSFER_ERROR, w.walk(dma, page(0), LISTS, 514L * 4096));
  }

  @Test
  void aListStartingInTheLastSlotOfItsPageChainsAtOnce() {
    entry(0, 511, LISTS + 8192);
    entry(2, 0, page(1));
    entry(2, 1, page(2));
    PrpWalk w = new PrpWalk();
    assertEquals(Status.SUCCESS, w.walk(dma, page(0), LISTS + 4088, 3L * 4096));
    assertEquals(3, w.count());
    assertEquals(Status.INVALID_PRP_OFFSET, w.walk(dma, page(0), LISTS + 4, 3L * 4096));
  }
}
