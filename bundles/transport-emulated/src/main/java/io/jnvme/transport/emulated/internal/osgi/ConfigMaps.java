package io.jnvme.transport.emulated.internal.osgi;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * Builds a configuration annotation instance from string options, with the annotation's defaults.
 * Plain Java (no OSGi API), also used by the emulated transport outside OSGi.
 */
public final class ConfigMaps {
  private ConfigMaps() {}

  public static <A> A of(Class<A> type, Map<String, String> options) {
    for (String key : options.keySet()) {
      try {
        type.getMethod(key);
      } catch (NoSuchMethodException e) {
        throw new IllegalArgumentException("unknown option '" + key + "' for the emulated"
            + " transport");
      }
    }
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> value(method, options)));
  }

  private static Object value(Method m, Map<String, String> options) {
    if (m.getDeclaringClass() == Object.class || m.getName().equals("annotationType")) {
      return switch (m.getName()) {
        case "toString" -> "config" + options;
        case "hashCode" -> options.hashCode();
        default -> null;
      };
    }
    String v = options.get(m.getName());
    if (v == null) {
      return m.getDefaultValue();
    }
    Class<?> t = m.getReturnType();
    try {
      if (t == int.class) {
        return Integer.parseInt(v.trim());
      } else if (t == long.class) {
        return Long.parseLong(v.trim());
      } else if (t == boolean.class) {
        return Boolean.parseBoolean(v.trim());
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option '" + m.getName() + "' must be a number, got '"
          + v + "'");
    }
    return v;
  }
}
