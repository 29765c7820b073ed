package io.jnvme.manager.registry;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * The text form of an entry: one {@code key=value} per line, UTF-8, values escaped so that any
 * owner text round-trips. Readers ignore keys they do not know, so fields can be added.
 */
final class EntryFormat {
  static final String VERSION = "1";

  private EntryFormat() {}

  static String encode(RegistryEntry e) {
    StringBuilder b = new StringBuilder(256);
    line(b, "format", VERSION);
    line(b, "id", Long.toString(e.id()));
    line(b, "name", e.name());
    if (e.owner() != null) {
      line(b, "owner", e.owner());
    }
    line(b, "transport", e.transport());
    line(b, "address", e.address());
    line(b, "created", e.created().toString());
    return b.toString();
  }

  /**
   * Parses an entry.
   *
   * @param expectedId the id its file name carries; a different id inside means corruption
   * @throws IllegalArgumentException with the reason if the text is not a valid entry
   */
  static RegistryEntry decode(long expectedId, String text) {
    Map<String, String> fields = new HashMap<>();
    for (String line : text.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("line without key=value");
      }
      String key = line.substring(0, eq);
      if (fields.put(key, unescape(line.substring(eq + 1))) != null) {
        throw new IllegalArgumentException("duplicate key=" + key);
      }
    }
    String format = require(fields, "format");
    if (!VERSION.equals(format)) {
      throw new IllegalArgumentException("unsupported format=" + format);
    }
    long id;
    try {
      id = Long.parseLong(require(fields, "id"));
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException("id not a number");
    }
    if (id != expectedId) {
      throw new IllegalArgumentException("id=" + id + " differs from file id=" + expectedId);
    }
    Instant created;
    try {
      created = Instant.parse(require(fields, "created"));
    } catch (DateTimeParseException ex) {
      throw new IllegalArgumentException("created not an instant");
    }
    return new RegistryEntry(id, require(fields, "name"), fields.get("owner"),
        require(fields, "transport"), require(fields, "address"), created);
  }

  private static String require(Map<String, String> fields, String key) {
    String v = fields.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing key=" + key);
    }
    return v;
  }

  private static void line(StringBuilder b, String key, String value) {
    b.append(key).append('=');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        default -> b.append(c);
      }
    }
    b.append('\n');
  }

  private static String unescape(String v) {
    if (v.indexOf('\\') < 0) {
      return v;
    }
    StringBuilder b = new StringBuilder(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (++i == v.length()) {
        throw new IllegalArgumentException("dangling escape");
      }
      switch (v.charAt(i)) {
        case '\\' -> b.append('\\');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        default -> throw new IllegalArgumentException("unknown escape \\" + v.charAt(i));
      }
    }
    return b.toString();
  }
}
