package io.jnvme.transport.qemu.internal;

import java.nio.charset.StandardCharsets;

/**
 * The one formatter of qtest request lines, and the check every line passes before it is sent.
 *
 * <p>QEMU 7.2 parses a request with {@code g_strsplit(line, " ", 0)} and {@code g_assert}s on
 * what it does not expect: a missing argument, an empty word (two spaces), a number it cannot
 * parse, a CR before the LF, or an empty line aborts the whole emulator and every byte of its
 * state. So lines are only ever made here, from a fixed set of command words and numeric
 * arguments formatted as {@code 0x} + lower-case hex, and {@link #check} re-reads the finished
 * bytes against the same grammar before anything reaches the socket.
 */
final class QtestLine {
  /** Longest line this formatter makes: a word, two 64-bit hex numbers, spaces and the LF. */
  static final int MAX_LENGTH = 64;

  /** The requests this transport sends, with their number of numeric arguments. */
  enum Command {
    READB("readb", 1, Kind.MEMORY),
    READW("readw", 1, Kind.MEMORY),
    READL("readl", 1, Kind.MEMORY),
    READQ("readq", 1, Kind.MEMORY),
    WRITEB("writeb", 2, Kind.MEMORY),
    WRITEW("writew", 2, Kind.MEMORY),
    WRITEL("writel", 2, Kind.MEMORY),
    WRITEQ("writeq", 2, Kind.MEMORY),
    INB("inb", 1, Kind.PORT),
    INW("inw", 1, Kind.PORT),
    INL("inl", 1, Kind.PORT),
    OUTB("outb", 2, Kind.PORT),
    OUTW("outw", 2, Kind.PORT),
    OUTL("outl", 2, Kind.PORT),
    /** Answers {@code OK little}: the readiness probe. */
    ENDIANNESS("endianness", 0, Kind.NONE);

    enum Kind { MEMORY, PORT, NONE }

    final String word;
    final byte[] bytes;
    final int arity;
    final Kind kind;

    Command(String word, int arity, Kind kind) {
      this.word = word;
      this.bytes = word.getBytes(StandardCharsets.US_ASCII);
      this.arity = arity;
      this.kind = kind;
    }

    /** The largest value argument {@code index} (0 = address or port) may have. */
    long maxArgument(int index) {
      if (index == 0) {
        return kind == Kind.PORT ? 0xFFFF : -1L;
      }
      return switch (this) {
        case WRITEB, OUTB -> 0xFF;
        case WRITEW, OUTW -> 0xFFFF;
        case WRITEL, OUTL -> 0xFFFF_FFFFL;
        default -> -1L;
      };
    }
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private QtestLine() {}

  /**
   * Formats {@code command} with its arguments into {@code out} from index 0 and returns the
   * length, line feed included.
   *
   * @throws IllegalArgumentException if the argument count or a value does not fit the command
   */
  static int format(byte[] out, Command command, long... args) {
    if (args.length != command.arity) {
      throw new IllegalArgumentException("qtest " + command.word + " takes " + command.arity
          + " arguments, got " + args.length);
    }
    int n = 0;
    System.arraycopy(command.bytes, 0, out, 0, command.bytes.length);
    n += command.bytes.length;
    for (int i = 0; i < args.length; i++) {
      long max = command.maxArgument(i);
      if (max != -1L && Long.compareUnsigned(args[i], max) > 0) {
        throw new IllegalArgumentException("qtest " + command.word + " argument " + i + "=0x"
            + Long.toHexString(args[i]) + " exceeds 0x" + Long.toHexString(max));
      }
      out[n++] = ' ';
      out[n++] = '0';
      out[n++] = 'x';
      n = hex(out, n, args[i]);
    }
    out[n++] = '\n';
    return n;
  }

  private static int hex(byte[] out, int at, long v) {
    int digits = v == 0 ? 1 : (64 - Long.numberOfLeadingZeros(v) + 3) / 4;
    for (int d = digits - 1; d >= 0; d--) {
      out[at + d] = HEX[(int) (v & 0xF)];
      v >>>= 4;
    }
    return at + digits;
  }

  /**
   * Checks a finished line against the grammar this formatter produces: a known command word,
   * exactly its number of arguments, each separated by one space and written as {@code 0x} and 1
   * to 16 lower-case hex digits, and a single LF at the end, nothing else.
   *
   * @return null if the line is well formed, otherwise why not
   */
  static String check(byte[] line, int length) {
    if (length < 2 || length > MAX_LENGTH) {
      return "length " + length + " outside 2.." + MAX_LENGTH;
    }
    if (line[length - 1] != '\n') {
      return "does not end in LF";
    }
    int end = length - 1;
    int wordEnd = 0;
    while (wordEnd < end && line[wordEnd] != ' ') {
      wordEnd++;
    }
    Command command = null;
    for (Command c : Command.values()) {
      if (c.bytes.length == wordEnd && regionEquals(line, c.bytes, wordEnd)) {
        command = c;
        break;
      }
    }
    if (command == null) {
      return "unknown command word";
    }
    int at = wordEnd;
    int args = 0;
    while (at < end) {
      // Exactly one space, then 0x and 1..16 hex digits.
      if (line[at] != ' ' || at + 2 >= end || line[at + 1] != '0' || line[at + 2] != 'x') {
        return "argument " + args + " is not a single space and 0x";
      }
      int digits = 0;
      at += 3;
      while (at < end && line[at] != ' ') {
        byte b = line[at];
        if (!((b >= '0' && b <= '9') || (b >= 'a' && b <= 'f'))) {
          return "argument " + args + " has a character that is not lower-case hex";
        }
        digits++;
        at++;
      }
      if (digits < 1 || digits > 16) {
        return "argument " + args + " has " + digits + " hex digits";
      }
      args++;
    }
    if (args != command.arity) {
      return command.word + " needs " + command.arity + " arguments, the line has " + args;
    }
    return null;
  }

  private static boolean regionEquals(byte[] line, byte[] word, int n) {
    for (int i = 0; i < n; i++) {
      if (line[i] != word[i]) {
        return false;
      }
    }
    return true;
  }

  /** The line as text, without its LF, for messages. */
  static String text(byte[] line, int length) {
    int n = length > 0 && line[length - 1] == '\n' ? length - 1 : length;
    return new String(line, 0, Math.max(0, n), StandardCharsets.US_ASCII);
  }
}
