package io.jnvme.spec;

import static io.jnvme.spec.Layouts.BASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Changed Namespace List log page (LID 04h), against NVMe Base 2.0 §5.16.1.5. */
class ChangedNamespaceListTest {

  @Test
  void sizeAndEntries() {
    assertEquals(4096, ChangedNamespaceList.SIZE);
    assertEquals(1024, ChangedNamespaceList.ENTRIES);
    assertEquals(ChangedNamespaceList.SIZE, 4 * ChangedNamespaceList.ENTRIES);
    assertEquals(0xFFFF_FFFF, ChangedNamespaceList.OVERFLOW);
  }

  @Test
  void entriesAreConsecutiveDwords() {
    ByteBuffer buf = Layouts.buffer(4096);
    ChangedNamespaceList list = new ChangedNamespaceList().wrap(buf, BASE);
    list.entry(0, 1).entry(1, 7).entry(1023, 0x1234);
    assertEquals(1, Layouts.i32(buf, 0));
    assertEquals(7, Layouts.i32(buf, 4));
    assertEquals(0x1234, Layouts.i32(buf, 4092));
    assertEquals(7, list.entry(1));
    assertEquals(0, list.entry(2));
    assertFalse(list.overflow());
    assertThrows(IndexOutOfBoundsException.class, () -> list.entry(1024));
    assertThrows(IndexOutOfBoundsException.class, () -> list.entry(-1, 1));
  }

  @Test
  void overflowIsAllOnesInEntryZero() {
    ByteBuffer buf = Layouts.buffer(4096);
    buf.putInt(BASE, -1);
    assertTrue(new ChangedNamespaceList().wrap(buf, BASE).overflow());
  }
}
