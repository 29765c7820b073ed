package io.jnvme.transport.vfio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemCredentialsTest {
  @TempDir
  Path proc;

  @Test
  void readsIdsCapabilitiesAndTheMemlockLimit() throws Exception {
    Files.createDirectories(proc.resolve("self"));
    Files.writeString(proc.resolve("self/status"), String.join("\n",
        "Name:\tjava",
        "Uid:\t1000\t1001\t1001\t1001",
        "Gid:\t100\t100\t100\t100",
        "Groups:\t27 44 1000 ",
        "CapEff:\t0000000000004000",
        ""));
    Files.writeString(proc.resolve("self/limits"), String.join("\n",
        "Limit                     Soft Limit           Hard Limit           Units     ",
        "Max locked memory         8388608              16777216             bytes     ",
        ""));
    SystemCredentials c = SystemCredentials.read(proc);
    assertEquals(1001, c.uid(), "the effective uid");
    assertEquals(Set.of(100, 27, 44, 1000), c.gids());
    assertTrue(c.hasCapability(Credentials.CAP_IPC_LOCK));
    assertFalse(c.hasCapability(Credentials.CAP_SYS_RAWIO));
    assertEquals(8388608, c.memlockLimit());
  }

  @Test
  void unlimitedAndUnreadable() throws Exception {
    Files.createDirectories(proc.resolve("self"));
    Files.writeString(proc.resolve("self/limits"),
        "Max locked memory         unlimited            unlimited            bytes\n");
    SystemCredentials c = SystemCredentials.read(proc);
    assertEquals(Credentials.UNLIMITED, c.memlockLimit());
    assertEquals(-1, c.uid(), "no status file: unprivileged");
    assertFalse(c.hasCapability(Credentials.CAP_DAC_OVERRIDE));
  }

  @Test
  void theRealProcessIsReadable() {
    SystemCredentials c = SystemCredentials.read(Path.of("/proc"));
    assertTrue(c.uid() >= 0);
    assertTrue(c.memlockLimit() == Credentials.UNLIMITED || c.memlockLimit() >= 0);
  }
}
