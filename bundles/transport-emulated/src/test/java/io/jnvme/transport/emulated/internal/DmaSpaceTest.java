package io.jnvme.transport.emulated.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jnvme.device.DeviceException;
import io.jnvme.device.DmaMapping;
import org.junit.jupiter.api.Test;

class DmaSpaceTest {
  @Test
  void pagesAreFoundWhereverTheirAddressesAre() throws Exception {
    DmaSpace s = new DmaSpace();
    // Pages 0-1 consecutive, page 2 elsewhere, page 3 below page 0, and one at the top of the
    // 64-bit space, where signed ordering would go wrong.
    ScatteredBlock b = new ScatteredBlock(0x10_0000, 0x10_1000, 0x50_0000, 0x8000,
        0xFFFF_FFFF_FFFF_E000L);
    s.map(b);
    DmaSpace.Run r = s.find(0x10_0800, 0x1000);
    assertNotNull(r, "spans pages 0 and 1, which are consecutive");
    assertEquals(0, r.blockOffset());
    assertNull(s.find(0x10_1800, 0x1000), "page 1 and the next address are not both mapped");
    r = s.find(0x50_0010, 16);
    assertEquals(2 * 4096, r.blockOffset());
    r = s.find(0x8FF0, 16);
    assertEquals(3 * 4096, r.blockOffset());
    assertEquals(0x8000, r.start());
    r = s.find(0xFFFF_FFFF_FFFF_EFF0L, 16);
    assertNotNull(r);
    assertEquals(4 * 4096, r.blockOffset());
    assertNull(s.find(0xFFFF_FFFF_FFFF_F000L, 8));
    assertNull(s.find(0x7FF8, 16));
    assertNull(s.find(0, 1));
  }

  @Test
  void overlapsAndMisalignedPagesAreRefused() throws Exception {
    DmaSpace s = new DmaSpace();
    s.map(new ScatteredBlock(0x10_0000, 0x10_1000));
    assertThrows(DeviceException.class, () -> s.map(new ScatteredBlock(0x10_1000)));
    assertThrows(DeviceException.class, () -> s.map(new ScatteredBlock(0x20_0000, 0x10_0000)));
    assertThrows(DeviceException.class, () -> s.map(new ScatteredBlock(0x30_0800)));
    // A failed map leaves nothing behind.
    assertNull(s.find(0x20_0000, 1));
    s.map(new ScatteredBlock(0x20_0000));
  }

  @Test
  void theSamePagesCanBeMappedAgainByAnotherBlock() throws Exception {
    DmaSpace s = new DmaSpace();
    ScatteredBlock old = new ScatteredBlock(0x10_0000, 0x10_1000, 0x40_0000);
    DmaMapping m1 = s.map(old);
    // A re-attached persistent block: another object over the same device addresses.
    ScatteredBlock again = new ScatteredBlock(0x10_0000, 0x10_1000, 0x40_0000);
    DmaMapping m2 = s.map(again);
    assertSame(again, s.find(0x10_0000, 8).block(), "the newest block serves");
    m1.close();
    assertSame(again, s.find(0x40_0000, 8).block(), "still mapped after the old one closed");
    m2.close();
    assertNull(s.find(0x10_0000, 8));
    // Pages repeated within one block are refused.
    assertThrows(DeviceException.class, () -> s.map(new ScatteredBlock(0x50_0000, 0x50_0000)));
  }

  @Test
  void mappingsAreCountedAndClosingUnmaps() throws Exception {
    DmaSpace s = new DmaSpace();
    ScatteredBlock b = new ScatteredBlock(0x10_0000);
    DmaMapping m1 = s.map(b);
    DmaMapping m2 = s.map(b);
    assertSame(b, m1.block());
    long g = s.generation();
    m1.close();
    m1.close();
    assertNotNull(s.find(0x10_0000, 8), "still mapped by m2");
    m2.close();
    assertNull(s.find(0x10_0000, 8));
    assertEquals(g + 1, s.generation());
  }
}
