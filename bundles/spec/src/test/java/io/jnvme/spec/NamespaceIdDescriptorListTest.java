package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class NamespaceIdDescriptorListTest {
  @Test
  void headerLayoutFollowsFigure277() {
    assertEquals(4096, NamespaceIdDescriptorList.SIZE);
    assertEquals(0, NamespaceIdDescriptorList.NIDT_OFFSET);
    assertEquals(1, NamespaceIdDescriptorList.NIDL_OFFSET);
    assertEquals(4, NamespaceIdDescriptorList.NID_OFFSET);
    assertEquals(4, NamespaceIdDescriptorList.HEADER_SIZE);
    assertEquals(1, NamespaceIdDescriptorList.NIDT_EUI64);
    assertEquals(2, NamespaceIdDescriptorList.NIDT_NGUID);
    assertEquals(3, NamespaceIdDescriptorList.NIDT_UUID);
    assertEquals(4, NamespaceIdDescriptorList.NIDT_CSI);
  }

  @Test
  void descriptorsFollowEachOtherAndAZeroLengthEndsTheList() {
    ByteBuffer b = ByteBuffer.allocate(NamespaceIdDescriptorList.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    NamespaceIdDescriptorList l = new NamespaceIdDescriptorList().wrap(b, 0);
    byte[] eui = {1, 2, 3, 4, 5, 6, 7, 8};
    byte[] nguid = new byte[16];
    nguid[15] = 9;
    int at = l.put(0, NamespaceIdDescriptorList.NIDT_EUI64, eui);
    assertEquals(12, at);
    at = l.put(at, NamespaceIdDescriptorList.NIDT_NGUID, nguid);
    assertEquals(32, at);
    assertEquals(1, b.get(0));
    assertEquals(8, b.get(1));
    assertEquals(1, b.get(4));
    assertEquals(2, b.get(12));
    assertEquals(16, b.get(13));
    assertEquals(9, b.get(31));
    assertArrayEquals(eui, l.find(NamespaceIdDescriptorList.NIDT_EUI64));
    assertArrayEquals(nguid, l.find(NamespaceIdDescriptorList.NIDT_NGUID));
    assertNull(l.find(NamespaceIdDescriptorList.NIDT_UUID));
    assertThrows(IndexOutOfBoundsException.class, () -> l.put(4090, 3, new byte[16]));
  }
}
