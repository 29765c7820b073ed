package io.jnvme.driver.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ArgsTest {
  private static final Args.Option START = new Args.Option("s", "start-block", "lba", "");
  private static final Args.Option DATA = new Args.Option("d", "data", "file", "");
  private static final Args.Option FUA = new Args.Option("f", "force-unit-access", null, "");
  private static final List<Args.Option> OPTIONS = List.of(START, DATA, FUA);

  private static Args parse(String... argv) {
    return Args.parse("nvme:test", List.of(argv), OPTIONS);
  }

  @Test
  void acceptsEveryGetoptSpelling() {
    for (String[] argv : new String[][] {
        {"-s", "7"}, {"-s7"}, {"-s=7"}, {"--start-block", "7"}, {"--start-block=7"},
        {"-s", "0x7"}, {"-s", "1", "-s", "7"}}) {
      assertEquals(7, parse(argv).number(START, -1, 0), String.join(" ", argv));
    }
  }

  @Test
  void separatesPositionalArgumentsAndFlags() {
    Args a = parse("nvme0n1", "-f", "-d", "/tmp/x y.bin", "--", "-s");
    assertEquals(List.of("nvme0n1", "-s"), a.positional());
    assertTrue(a.has(FUA));
    assertFalse(a.has(START));
    assertEquals("/tmp/x y.bin", a.required(DATA));
    assertEquals(0, a.number(START, 0, 0));
    assertEquals("nvme0n1", parse("nvme0n1").single("<namespace>", "usage"));
  }

  @Test
  void reportsProblemsClearly() {
    assertMessage("nvme:test: unknown option '-x' (options: -s/--start-block, -d/--data, "
        + "-f/--force-unit-access)", () -> parse("-x"));
    assertMessage("nvme:test: unknown option '--bogus=1'", () -> parse("--bogus=1"));
    assertMessage("nvme:test: option -s/--start-block needs a value <lba>", () -> parse("-s"));
    assertMessage("nvme:test: option -s/--start-block: 'ten' is not a number",
        () -> parse("-s", "ten").number(START, 0, 0));
    assertMessage("nvme:test: option -s/--start-block: -1 is less than 0",
        () -> parse("-s", "-1").number(START, 0, 0));
    assertMessage("nvme:test: option -f/--force-unit-access takes no value, got 'yes'",
        () -> parse("--force-unit-access=yes"));
    assertMessage("nvme:test: missing option -d/--data <file>", () -> parse().required(DATA));
    assertMessage("nvme:test: missing <namespace>; usage: U", () -> parse().single("<namespace>", "U"));
    assertMessage("nvme:test: unexpected argument 'b'; usage: U", () -> parse("a", "b").single("<x>", "U"));
    assertMessage("nvme:test: unexpected argument 'a'; usage: U", () -> parse("a").none("U"));
  }

  private static void assertMessage(String prefix, Runnable r) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }
}
