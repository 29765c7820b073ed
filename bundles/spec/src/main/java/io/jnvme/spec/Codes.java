package io.jnvme.spec;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/** Builds the name tables of the open value types from their public constants. */
final class Codes {
  private Codes() {}

  static <T> Map<Integer, String> names(Class<T> type, ToIntFunction<T> raw) {
    Map<Integer, String> m = new HashMap<>();
    for (Field f : type.getDeclaredFields()) {
      int mod = f.getModifiers();
      if (Modifier.isStatic(mod) && Modifier.isPublic(mod) && f.getType() == type) {
        try {
          m.putIfAbsent(raw.applyAsInt(type.cast(f.get(null))), f.getName());
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return Map.copyOf(m);
  }

  static String hex(String prefix, int raw) {
    return String.format("%s_0x%02x", prefix, raw);
  }
}
