package io.jnvme.manager.internal.shell;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments in nvme-cli's style: {@code --name value}, {@code --name=value},
 * {@code -n value}, boolean flags, and positional arguments. Gogo hands commands a
 * {@code String...}, so parsing is ours.
 */
final class Args {
  private final Map<String, List<String>> values = new LinkedHashMap<>();
  private final List<String> positional = new ArrayList<>();

  /** Thrown for arguments that do not fit the command; the message is for the user. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /**
   * Parses {@code args}.
   *
   * @param withValue long option names that take a value
   * @param flags long option names that take none
   * @param shortNames short option letter to long name
   */
  static Args parse(String[] args, Set<String> withValue, Set<String> flags,
      Map<Character, String> shortNames) throws UsageException {
    Args a = new Args();
    Map<String, String> canonical = new HashMap<>();
    withValue.forEach(n -> canonical.put("--" + n, n));
    flags.forEach(n -> canonical.put("--" + n, n));
    shortNames.forEach((c, n) -> canonical.put("-" + c, n));
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("-") || arg.equals("-")) {
        a.positional.add(arg);
        continue;
      }
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        inline = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      String name = canonical.get(arg);
      if (name == null) {
        throw new UsageException("unknown option " + arg);
      }
      if (withValue.contains(name)) {
        String v = inline;
        if (v == null) {
          if (i + 1 >= args.length) {
            throw new UsageException("option --" + name + " needs a value");
          }
          v = args[++i];
        }
        a.values.computeIfAbsent(name, k -> new ArrayList<>()).add(v);
      } else {
        if (inline != null) {
          throw new UsageException("option --" + name + " takes no value");
        }
        a.values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
      }
    }
    return a;
  }

  /** The last value of an option, or null. */
  String value(String name) {
    List<String> v = values.get(name);
    return v == null ? null : v.get(v.size() - 1);
  }

  /** Every value of a repeatable option. */
  List<String> values(String name) {
    return values.getOrDefault(name, List.of());
  }

  boolean flag(String name) {
    return values.containsKey(name);
  }

  List<String> positional() {
    return positional;
  }
}
