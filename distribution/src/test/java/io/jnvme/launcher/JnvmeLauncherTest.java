package io.jnvme.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JnvmeLauncherTest {
  @Test
  void parsesCommandsWaitAndTimeout() {
    JnvmeLauncher.Options o = JnvmeLauncher.parse(new String[] {"-c", "nvme:list"}, Map.of());
    assertEquals("nvme:list", o.commands());
    assertEquals("nvme0", o.waitFor());
    assertEquals(60, o.timeoutSeconds());

    o = JnvmeLauncher.parse(new String[] {"--wait", "none", "-c", "lb", "--timeout", "5"},
        Map.of("JNVME_TIMEOUT", "7"));
    assertNull(o.waitFor());
    assertEquals(5, o.timeoutSeconds());
    assertEquals(7, JnvmeLauncher.parse(new String[] {"-c", "lb"}, Map.of("JNVME_TIMEOUT", "7"))
        .timeoutSeconds());
    assertEquals("nvme1", JnvmeLauncher.parse(new String[] {"-c", "x", "--wait", "nvme1"},
        Map.of()).waitFor());
  }

  @Test
  void rejectsBadArguments() {
    for (String[] bad : new String[][] {{}, {"-c"}, {"-c", " "}, {"lb"}, {"-c", "x", "--timeout",
        "soon"}, {"-c", "x", "--timeout", "0"}, {"-c", "x", "--wait", "a)(b"}}) {
      assertThrows(IllegalArgumentException.class, () -> JnvmeLauncher.parse(bad, Map.of()),
          String.join(" ", bad));
    }
  }

  @Test
  void usageErrorsExitWithTwoAndPrintUsageOnStderr() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = JnvmeLauncher.run(new String[] {"--bogus"},
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(JnvmeLauncher.USAGE, status);
    assertEquals("", out.toString(StandardCharsets.UTF_8));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.startsWith("jnvme: unknown argument '--bogus'\nusage: jnvme"), e);
  }

  @Test
  void splitsStatementsLikeGogo() {
    assertEquals(List.of("nvme:write nvme0n1 -d /tmp/in.bin", "nvme:read nvme0n1"),
        JnvmeLauncher.statements("nvme:write nvme0n1 -d /tmp/in.bin; nvme:read nvme0n1"));
    assertEquals(List.of("echo 'a;b' \"c;d\"", "each [1 2] { echo $it; echo x }", "lb"),
        JnvmeLauncher.statements(
            "echo 'a;b' \"c;d\";each [1 2] { echo $it; echo x }\n lb ;; "));
    assertEquals(List.of("echo a\\;b"), JnvmeLauncher.statements("echo a\\;b"));
    assertEquals(List.of(), JnvmeLauncher.statements(" ; \n "));
  }

  @Test
  void describesFailures() {
    assertEquals("unknown controller 'nvme9'",
        JnvmeLauncher.describe(new IllegalArgumentException("unknown controller 'nvme9'")));
    assertEquals("IllegalStateException: broken",
        JnvmeLauncher.describe(new IllegalStateException("broken")));
    assertEquals("NullPointerException", JnvmeLauncher.describe(new NullPointerException()));
  }
}
