package io.jnvme.fuzz;

import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.driver.savestate.SavedStateCodec;
import io.jnvme.transport.emulated.CommandMatch;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import io.jnvme.transport.emulated.FaultAction;
import io.jnvme.spec.NvmOpcode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes real saved states as seeds for {@link SavedStateFuzzTest}:
 * {@code mvn -pl fuzz -am verify -Dtest=SeedWriter -Dfuzz.writeSeeds=<dir>}. Not part of the build.
 */
class SeedWriter {
  @TempDir Path dir;

  @Test
  @EnabledIfSystemProperty(named = "fuzz.writeSeeds", matches = ".+")
  void writeSavedStateSeeds() throws Exception {
    Path out = Path.of(System.getProperty("fuzz.writeSeeds"));
    Files.createDirectories(out);
    try (EmulatedController emu = EmulatedController.builder("seed")
            .namespace(1, EmulatedNamespace.memory(1L << 20, 512))
            .namespace(2, EmulatedNamespace.memory(1L << 20, 4096)).build();
        PagePool pool = PagePool.open(dir.resolve("pool"), 64L << 20, 0x40_0000_0000L)) {
      ControllerOptions o = ControllerOptions.defaults("nvme0").withCpuCount(2).withKeepalive(true)
          .withIoQueueEntries(8);
      NvmeController c = new DriverFactory().start(emu.device(), pool.clientFor(emu.device().id()), o);
      NamespaceHandle h = c.open(1, "seed");
      c.open(2, null);
      MemoryBlock b = c.allocateBuffer(4096);
      emu.faults().add(CommandMatch.io(NvmOpcode.WRITE), FaultAction.delay(Duration.ofSeconds(1)));
      h.submitWrite(0, 0, 8, b, 0, false, (x, e) -> { }, 0);
      h.submitWrite(1, 8, 8, b, 0, false, (x, e) -> { }, 1);
      byte[] v2 = SavedStateCodec.encode(c.save());
      c.resumeAfterSave();
      byte[] v1 = SavedStateCodec.encode(c.save().withVersion(1));
      write(out.resolve("seed-v2-state-file"), (byte) 1, v2);
      write(out.resolve("seed-v1-state-file"), (byte) 1, v1);
      // Even first byte: the payload alone, framed by the test (version in bits 1-2).
      write(out.resolve("seed-v2-payload"), (byte) 4, Arrays.copyOfRange(v2, 14, v2.length - 4));
      write(out.resolve("seed-v1-payload"), (byte) 2, Arrays.copyOfRange(v1, 14, v1.length - 4));
      c.resumeAfterSave();
      c.close();
    }
  }

  private static void write(Path p, byte first, byte[] rest) throws Exception {
    byte[] all = new byte[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    Files.write(p, all);
  }
}
