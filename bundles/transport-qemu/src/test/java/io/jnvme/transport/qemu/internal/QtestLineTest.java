package io.jnvme.transport.qemu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jnvme.transport.qemu.internal.QtestLine.Command;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The one formatter of qtest lines and the check that guards QEMU against malformed ones. */
class QtestLineTest {
  private static String format(Command c, long... args) {
    byte[] b = new byte[QtestLine.MAX_LENGTH];
    int n = QtestLine.format(b, c, args);
    assertNull(QtestLine.check(b, n), "formatted line passes the check");
    return new String(b, 0, n, StandardCharsets.US_ASCII);
  }

  private static String check(String line) {
    byte[] b = line.getBytes(StandardCharsets.US_ASCII);
    return QtestLine.check(b, b.length);
  }

  @Test
  void formatsLowerCaseHexWithSingleSpacesAndOneLineFeed() {
    assertEquals("writel 0xe0001008 0x1f\n", format(Command.WRITEL, 0xE000_1008L, 0x1F));
    assertEquals("readq 0x0\n", format(Command.READQ, 0));
    assertEquals("writeq 0xffffffffffffffff 0x8000000000000000\n",
        format(Command.WRITEQ, -1L, Long.MIN_VALUE));
    assertEquals("outl 0xcf8 0x80002010\n", format(Command.OUTL, 0xCF8, 0x8000_2010L));
    assertEquals("endianness\n", format(Command.ENDIANNESS));
  }

  @Test
  void refusesValuesAndArgumentCountsTheCommandCannotTake() {
    byte[] b = new byte[QtestLine.MAX_LENGTH];
    assertThrows(IllegalArgumentException.class, () -> QtestLine.format(b, Command.READL));
    assertThrows(IllegalArgumentException.class,
        () -> QtestLine.format(b, Command.WRITEL, 0x1000, 0x1_0000_0000L));
    assertThrows(IllegalArgumentException.class, () -> QtestLine.format(b, Command.OUTB, 0xCF8,
        0x100));
    assertThrows(IllegalArgumentException.class, () -> QtestLine.format(b, Command.INL, 0x10000));
  }

  /** Each of these aborts QEMU 7.2 (or is not what the formatter makes): the check refuses it. */
  @Test
  void refusesEveryLineShapeThatWouldAbortQemu() {
    for (String bad : new String[] {
        "\n",                          // empty line: g_assert(words[0])
        "readl\n",                     // missing argument
        "readl  0x10\n",               // double space: an empty word
        "readl 0x10\r\n",              // CR before LF with a numeric argument
        "readl 0x10 \n",               // trailing space
        " readl 0x10\n",               // leading space
        "readl 0X10\n",                // upper-case prefix
        "readl 0xAB\n",                // upper-case digits
        "readl 0x\n",                  // no digits
        "readl 16\n",                  // decimal (valid for QEMU, never made here)
        "readl 0x10000000000000000\n", // 17 digits
        "readl 0x1g\n",                // not hex
        "writel 0x10\n",               // one argument short
        "writel 0x10 0x1 0x2\n",       // one argument too many
        "clock_step\n",                // not a command this client sends
        "readl 0x10",                  // no LF
    }) {
      assertNotNull(check(bad), "refused: " + bad.replace("\n", "\\n").replace("\r", "\\r"));
    }
    assertNull(check("readl 0x10\n"));
    assertNull(check("endianness\n"));
  }
}
