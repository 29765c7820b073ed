package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/** Test helpers: offset tables and buffers for the structure layout tests. */
final class Layouts {
  /** Where the structures under test are wrapped, so a missing base offset shows up. */
  static final int BASE = 64;

  private Layouts() {}

  /**
   * Checks that the {@code *_OFFSET} constants of {@code type} are exactly {@code expected}: the
   * same names and the same values. A constant added without a spec value here fails the test.
   */
  static void assertOffsets(Class<?> type, Map<String, Integer> expected) {
    Map<String, Integer> actual = new TreeMap<>();
    for (Field f : type.getDeclaredFields()) {
      int mod = f.getModifiers();
      if (Modifier.isStatic(mod) && Modifier.isPublic(mod) && f.getType() == int.class
          && f.getName().endsWith("_OFFSET")) {
        try {
          actual.put(f.getName(), f.getInt(null));
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    assertEquals(new TreeMap<>(expected), actual, type.getSimpleName() + " *_OFFSET constants");
  }

  /**
   * Checks the public constants of an open value type against a table of spec values: every
   * constant must be in the table with the same value, every table entry must exist, and the
   * type's {@code name()} of the value must be the constant's name.
   */
  static <T> void assertConstants(
      Class<T> type, ToIntFunction<T> raw, Map<String, Integer> expected) {
    Map<String, Integer> actual = new TreeMap<>();
    for (Field f : type.getDeclaredFields()) {
      int mod = f.getModifiers();
      if (Modifier.isStatic(mod) && Modifier.isPublic(mod) && f.getType() == type) {
        try {
          actual.put(f.getName(), raw.applyAsInt(type.cast(f.get(null))));
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    Map<String, String> want = new TreeMap<>();
    expected.forEach((k, v) -> want.put(k, Integer.toHexString(v)));
    Map<String, String> got = new TreeMap<>();
    actual.forEach((k, v) -> got.put(k, Integer.toHexString(v)));
    assertEquals(want, got, type.getSimpleName() + " constants");
    Map<Integer, String> byValue = new TreeMap<>();
    actual.forEach((k, v) -> {
      String other = byValue.put(v, k);
      if (other != null) {
        throw new AssertionError(type.getSimpleName() + " " + k + " and " + other + " share 0x"
            + Integer.toHexString(v));
      }
    });
  }

  /** A zeroed little-endian heap buffer with room for {@code size} bytes at {@link #BASE}. */
  static ByteBuffer buffer(int size) {
    return ByteBuffer.allocate(BASE + size + 16).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Reads a little-endian unsigned 16-bit value at {@code BASE + at}. */
  static int u16(ByteBuffer b, int at) {
    return b.getShort(BASE + at) & 0xFFFF;
  }

  /** Reads a little-endian 32-bit value at {@code BASE + at}. */
  static int i32(ByteBuffer b, int at) {
    return b.getInt(BASE + at);
  }

  /** Reads a little-endian 64-bit value at {@code BASE + at}. */
  static long i64(ByteBuffer b, int at) {
    return b.getLong(BASE + at);
  }

  /** Reads an unsigned byte at {@code BASE + at}. */
  static int u8(ByteBuffer b, int at) {
    return b.get(BASE + at) & 0xFF;
  }

  /** Counts the non-zero bytes of the buffer: a setter must touch only its own field. */
  static int nonZeroBytes(ByteBuffer b) {
    int n = 0;
    for (int i = 0; i < b.capacity(); i++) {
      if (b.get(i) != 0) {
        n++;
      }
    }
    return n;
  }
}
