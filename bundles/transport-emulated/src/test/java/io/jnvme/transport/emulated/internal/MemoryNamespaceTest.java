package io.jnvme.transport.emulated.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jnvme.transport.emulated.EmulatedNamespace;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MemoryNamespaceTest {
  @Test
  void nothingIsAllocatedUntilWritten() throws Exception {
    MemoryNamespace ns = new MemoryNamespace(1L << 40, 512);
    assertEquals(0, ns.allocatedChunks());
    assertArrayEquals(new byte[4096], ns.readBytes(123L << 30, 4096));
    assertEquals(0, ns.allocatedChunks());
    // A write across a chunk boundary allocates both chunks, and nothing else.
    byte[] d = new byte[4096];
    Arrays.fill(d, (byte) 1);
    ns.writeBytes((1L << 20) - 2048, d);
    assertEquals(2, ns.allocatedChunks());
    assertArrayEquals(d, ns.readBytes((1L << 20) - 2048, 4096));
    // Deallocating a whole chunk frees it.
    ns.deallocate(0, 1L << 20);
    assertEquals(1, ns.allocatedChunks());
    assertArrayEquals(new byte[2048], ns.readBytes((1L << 20) - 2048, 2048));
  }

  @Test
  void shrinkingLosesDataThatGrowingDoesNotBringBack() throws Exception {
    MemoryNamespace ns = new MemoryNamespace(4L << 20, 512);
    byte[] d = new byte[1 << 20];
    Arrays.fill(d, (byte) 9);
    ns.writeBytes(1L << 20, d);
    ns.resize((1L << 20) + 512);
    assertEquals((1L << 20) + 512, ns.sizeBytes());
    assertThrows(IOException.class, () -> ns.readBytes(1L << 20, 1024));
    ns.resize(4L << 20);
    byte[] back = ns.readBytes(1L << 20, 1024);
    assertEquals(9, back[511]);
    assertEquals(0, back[512]);
  }

  @Test
  void sizesAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> EmulatedNamespace.memory(1000, 512));
    assertThrows(IllegalArgumentException.class, () -> EmulatedNamespace.memory(4096, 1000));
    assertThrows(IllegalArgumentException.class, () -> EmulatedNamespace.memory(0, 512));
    assertThrows(IllegalArgumentException.class, () -> EmulatedNamespace.nullDevice(1 << 20, 256));
    assertEquals(1L << 31, EmulatedNamespace.nullDevice(1L << 40, 512).blockCount());
  }
}
