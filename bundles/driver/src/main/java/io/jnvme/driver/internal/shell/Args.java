package io.jnvme.driver.internal.shell;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Command-line arguments parsed the way nvme-cli (getopt_long) takes them: {@code -s 0},
 * {@code -s0}, {@code --start-block 0}, {@code --start-block=0}; {@code --} ends the options.
 * Numbers are decimal or {@code 0x} hex. Every problem is an {@link IllegalArgumentException}
 * whose message names the command and the option.
 */
final class Args {
  /**
   * An option.
   *
   * @param shortName e.g. {@code s} for {@code -s}, or null
   * @param longName e.g. {@code start-block}
   * @param valueName what the value is (shown in usage), or null for a flag
   * @param help one line of help
   */
  record Option(String shortName, String longName, String valueName, String help) {
    boolean takesValue() {
      return valueName != null;
    }

    /** {@code -s/--start-block}, as error messages name it. */
    String display() {
      return (shortName == null ? "" : "-" + shortName + "/") + "--" + longName;
    }
  }

  private final String command;
  private final List<String> positional;
  private final Map<Option, String> values;

  private Args(String command, List<String> positional, Map<Option, String> values) {
    this.command = command;
    this.positional = positional;
    this.values = values;
  }

  /**
   * Parses {@code argv} against {@code options}.
   *
   * @throws IllegalArgumentException for an unknown option or a missing value
   */
  static Args parse(String command, List<String> argv, List<Option> options) {
    List<String> positional = new ArrayList<>();
    Map<Option, String> values = new HashMap<>();
    boolean optionsEnded = false;
    for (int i = 0; i < argv.size(); i++) {
      String a = argv.get(i) == null ? "null" : argv.get(i);
      if (optionsEnded || !a.startsWith("-") || a.equals("-")) {
        positional.add(a);
        continue;
      }
      if (a.equals("--")) {
        optionsEnded = true;
        continue;
      }
      Option opt;
      String value = null;
      if (a.startsWith("--")) {
        String name = a.substring(2);
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        opt = find(options, name, true);
        if (opt == null) {
          throw unknown(command, a, options);
        }
      } else {
        String name = a.substring(1, 2);
        opt = find(options, name, false);
        if (opt == null) {
          throw unknown(command, a, options);
        }
        if (a.length() > 2) {
          value = a.substring(a.charAt(2) == '=' ? 3 : 2);
        }
      }
      if (opt.takesValue()) {
        if (value == null) {
          if (i + 1 >= argv.size()) {
            throw new IllegalArgumentException(
                command + ": option " + opt.display() + " needs a value <" + opt.valueName() + ">");
          }
          value = argv.get(++i);
        }
      } else if (value != null) {
        throw new IllegalArgumentException(
            command + ": option " + opt.display() + " takes no value, got '" + value + "'");
      } else {
        value = "true";
      }
      values.put(opt, value); // the last occurrence wins, as with getopt
    }
    return new Args(command, positional, values);
  }

  private static String nameOf(Option o, boolean longName) {
    return longName ? o.longName() : o.shortName();
  }

  private static Option find(List<Option> options, String name, boolean longName) {
    for (Option o : options) {
      if (name.equals(nameOf(o, longName))) {
        return o;
      }
    }
    return null;
  }

  private static IllegalArgumentException unknown(String command, String arg,
      List<Option> options) {
    return new IllegalArgumentException(command + ": unknown option '" + arg + "' (options: "
        + options.stream().map(Option::display).collect(Collectors.joining(", ")) + ")");
  }

  /** Arguments that are not options, in order. */
  List<String> positional() {
    return positional;
  }

  /** True if the option (a flag or one with a value) was given. */
  boolean has(Option o) {
    return values.containsKey(o);
  }

  /** The option's value, if given. */
  Optional<String> value(Option o) {
    return Optional.ofNullable(values.get(o));
  }

  /**
   * The option's value.
   *
   * @throws IllegalArgumentException if it was not given
   */
  String required(Option o) {
    String v = values.get(o);
    if (v == null) {
      throw new IllegalArgumentException(
          command + ": missing option " + o.display() + " <" + o.valueName() + ">");
    }
    return v;
  }

  /** The option as a number at least {@code min}, or {@code absent} if not given. */
  long number(Option o, long absent, long min) {
    String v = values.get(o);
    return v == null ? absent : parseNumber(o, v, min);
  }

  /** The option as a number at least {@code min}; it must be given. */
  long requiredNumber(Option o, long min) {
    return parseNumber(o, required(o), min);
  }

  private long parseNumber(Option o, String v, long min) {
    long n;
    try {
      String s = v.trim();
      n = s.startsWith("0x") || s.startsWith("0X")
          ? Long.parseUnsignedLong(s.substring(2), 16)
          : Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          command + ": option " + o.display() + ": '" + v + "' is not a number");
    }
    if (n < min) {
      throw new IllegalArgumentException(
          command + ": option " + o.display() + ": " + v + " is less than " + min);
    }
    return n;
  }

  /**
   * The only positional argument.
   *
   * @param what its name for the message, e.g. {@code <device>}
   * @throws IllegalArgumentException if there is none or more than one
   */
  String single(String what, String usage) {
    if (positional.isEmpty()) {
      throw new IllegalArgumentException(command + ": missing " + what + "; usage: " + usage);
    }
    if (positional.size() > 1) {
      throw new IllegalArgumentException(
          command + ": unexpected argument '" + positional.get(1) + "'; usage: " + usage);
    }
    return positional.get(0);
  }

  /**
   * Throws if there is any positional argument.
   *
   * @throws IllegalArgumentException naming the first one
   */
  void none(String usage) {
    if (!positional.isEmpty()) {
      throw new IllegalArgumentException(
          command + ": unexpected argument '" + positional.get(0) + "'; usage: " + usage);
    }
  }
}
