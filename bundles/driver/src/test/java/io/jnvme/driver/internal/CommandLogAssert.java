package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.spec.NvmOpcode;
import io.jnvme.transport.emulated.CommandLogEntry;
import io.jnvme.transport.emulated.EmulatedController;
import java.util.List;

/** Assertions over the emulated controller's command log. */
final class CommandLogAssert {
  private CommandLogAssert() {}

  /** The first write after {@code mark} started after every earlier write had finished. */
  static void writeAfter(EmulatedController emu, long mark) {
    List<CommandLogEntry> all = emu.commandLog().entries(e -> e.is(NvmOpcode.WRITE));
    CommandLogEntry next = all.stream().filter(e -> e.sequence() > mark).findFirst()
        .orElseThrow(() -> new AssertionError("no write after the restore"));
    for (CommandLogEntry e : all) {
      if (e.sequence() <= mark) {
        assertTrue(e.finishNanoTime() <= next.nanoTime(),
            "pre-save write " + e.cid() + " finished after the new write started");
      }
    }
  }
}
