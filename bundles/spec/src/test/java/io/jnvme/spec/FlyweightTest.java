package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Wrap bounds and byte order, for every structure view. */
class FlyweightTest {

  static Stream<Arguments> structures() {
    return Stream.of(
        Arguments.of("Sqe", 64, (Supplier<Flyweight>) Sqe::new),
        Arguments.of("Cqe", 16, (Supplier<Flyweight>) Cqe::new),
        Arguments.of("DsmRange", 16, (Supplier<Flyweight>) DsmRange::new),
        Arguments.of("IdentifyController", 4096, (Supplier<Flyweight>) IdentifyController::new),
        Arguments.of("IdentifyNamespace", 4096, (Supplier<Flyweight>) IdentifyNamespace::new),
        Arguments.of("ChangedNamespaceList", 4096,
            (Supplier<Flyweight>) ChangedNamespaceList::new));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("structures")
  void sizeMatchesTheSpec(String name, int size, Supplier<Flyweight> factory) {
    assertEquals(size, factory.get().size(), name);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("structures")
  void structureThatDoesNotFitIsRejected(String name, int size, Supplier<Flyweight> factory) {
    Flyweight f = factory.get();
    ByteBuffer exact = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
    assertSame(f, f.wrap(exact, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> f.wrap(exact, 1));
    assertThrows(IndexOutOfBoundsException.class, () -> f.wrap(exact, -1));
    assertThrows(IndexOutOfBoundsException.class, () -> f.wrap(ByteBuffer.allocate(size - 1), 0));
    assertThrows(IndexOutOfBoundsException.class, () -> f.wrap(exact, Integer.MAX_VALUE));
    // A failed wrap leaves the view where it was.
    assertSame(exact, f.buffer());
    assertEquals(0, f.offset());
  }

  @Test
  void fieldsAreLittleEndianWhateverTheBufferOrder() {
    ByteBuffer big = ByteBuffer.allocate(64).order(ByteOrder.BIG_ENDIAN);
    Sqe sqe = new Sqe().wrap(big, 0);
    sqe.nsid(0x0102_0304);
    assertEquals(0x04, big.get(4));
    assertEquals(0x01, big.get(7));
    assertEquals(ByteOrder.BIG_ENDIAN, big.order()); // the caller's buffer is left alone
    assertEquals(ByteOrder.LITTLE_ENDIAN, sqe.buffer().order());
  }

  @Test
  void wrapAtAnOffsetReadsFromThere() {
    ByteBuffer ring = ByteBuffer.allocate(4 * 16).order(ByteOrder.LITTLE_ENDIAN);
    ring.putShort(2 * 16 + 12, (short) 42);
    Cqe cqe = new Cqe().wrap(ring, 2 * 16);
    assertEquals(42, cqe.cid());
    assertEquals(32, cqe.offset());
  }
}
