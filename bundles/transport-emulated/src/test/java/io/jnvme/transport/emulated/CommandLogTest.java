package io.jnvme.transport.emulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.NvmOpcode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandLogTest {
  @Test
  void theLogIsABoundedRing() throws Exception {
    try (EmulatedController c = EmulatedController.builder("log").commandLogCapacity(5)
            .namespace(1, EmulatedNamespace.memory(1 << 20, 512)).build();
        TestHost h = TestHost.enabled(c)) {
      TestHost.Queue q = h.createIoQueue(1, 16, 1);
      for (int i = 0; i < 10; i++) {
        q.execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1)).assertSuccess();
      }
      CommandLog log = c.commandLog();
      assertEquals(5, log.size());
      assertEquals(5, log.capacity());
      assertEquals(12, log.totalRecorded(), "two admin commands and ten flushes");
      List<CommandLogEntry> l = log.entries();
      assertEquals(7, l.get(0).sequence());
      assertEquals(11, l.get(4).sequence());
      assertTrue(l.stream().allMatch(e -> e.is(NvmOpcode.FLUSH)));
      assertTrue(l.get(0).time().compareTo(l.get(4).time()) <= 0);
      assertTrue(l.get(4).finishNanoTime() >= l.get(4).nanoTime());
      log.clear();
      assertEquals(0, log.size());
      q.execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1)).assertSuccess();
      assertEquals(12, log.entries().get(0).sequence(), "sequence numbers go on");
    }
  }

  @Test
  void loggingCanBeTurnedOff() throws Exception {
    try (EmulatedController c = EmulatedController.builder("nolog").commandLogCapacity(0).build();
        TestHost h = TestHost.enabled(c)) {
      h.identify(1, 0, h.alloc(4096)).assertSuccess();
      assertEquals(0, c.commandLog().size());
      assertEquals(0, c.commandLog().totalRecorded());
    }
  }

  @Test
  void awaitSeesEntriesAddedLaterAndEntriesThatFinishLater() throws Exception {
    try (EmulatedController c = EmulatedController.builder("await").build();
        TestHost h = TestHost.enabled(c)) {
      Thread t = new Thread(() -> {
        try {
          c.commandLog().await(e -> false, Duration.ofMillis(50));
          h.identify(1, 0, h.alloc(4096));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      t.start();
      Optional<CommandLogEntry> e = c.commandLog().await(
          x -> x.is(AdminOpcode.IDENTIFY) && x.state() == CommandLogEntry.State.COMPLETED,
          TestHost.TIMEOUT);
      assertTrue(e.isPresent());
      assertTrue(e.get().status().isSuccess());
      t.join();
      assertEquals(Optional.empty(),
          c.commandLog().await(x -> x.is(AdminOpcode.ABORT), Duration.ofMillis(20)));
      assertTrue(e.get().toString().contains("IDENTIFY"), e.get().toString());
    }
  }
}
