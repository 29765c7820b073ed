package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ActiveNamespaceListTest {
  @Test
  void sizeAndEntriesFollowTheSpec() {
    assertEquals(4096, ActiveNamespaceList.SIZE);
    assertEquals(ActiveNamespaceList.SIZE, ActiveNamespaceList.ENTRIES * ActiveNamespaceList.ENTRY_SIZE);
  }

  @Test
  void entriesAreLittleEndianDwordsFromTheStructureStart() {
    ByteBuffer b = ByteBuffer.allocate(8 + ActiveNamespaceList.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    ActiveNamespaceList l = new ActiveNamespaceList().wrap(b, 8);
    l.entry(0, 1).entry(1, 0x0102_0304).entry(1023, 7);
    assertEquals(1, b.get(8));
    assertEquals(0x04, b.get(12));
    assertEquals(0x01, b.get(15));
    assertEquals(7, b.get(8 + 4092));
    assertEquals(0x0102_0304, l.entry(1));
    assertEquals(2, l.count());
    assertThrows(IndexOutOfBoundsException.class, () -> l.entry(1024));
  }
}
