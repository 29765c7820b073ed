package io.jnvme.manager.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OwnershipRegistryTest {
  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

  @TempDir Path state;

  private OwnershipRegistry open() throws RegistryException {
    return OwnershipRegistry.open(state, Clock.fixed(T0, ZoneOffset.UTC));
  }

  @Test
  void createShowListSetOwnerDelete() throws Exception {
    OwnershipRegistry r = open();
    assertEquals(state.resolve("registry").toRealPath(), r.directory());
    RegistryEntry a = r.create("nvme0", "orch-a", "emulated", "emulated:0");
    RegistryEntry b = r.create("nvme1", null, "emulated", "emulated:1");
    assertEquals(new RegistryEntry(1, "nvme0", "orch-a", "emulated", "emulated:0", T0), a);
    assertEquals(2, b.id());
    assertNull(b.owner());
    assertEquals(List.of(a, b), r.list());
    assertEquals(a, r.get(1).orElseThrow());

    RegistryEntry owned = r.setOwner(2, "orch-b");
    assertEquals("orch-b", r.get(2).orElseThrow().owner());
    assertEquals(owned, r.get(2).orElseThrow());
    assertNull(r.setOwner(2, null).owner());

    assertTrue(r.delete(1));
    assertFalse(r.delete(1));
    assertEquals(List.of(2L), r.list().stream().map(RegistryEntry::id).toList());
    assertThrows(EntryNotFoundException.class, () -> r.setOwner(1, "x"));
    assertTrue(r.get(1).isEmpty());
  }

  @Test
  void survivesRestartAndNeverReusesAnId() throws Exception {
    OwnershipRegistry first = open();
    first.create("nvme0", "orch-a", "emulated", "a");
    first.create("nvme1", null, "emulated", "b");
    RegistryEntry third = first.create("nvme2", null, "emulated", "c");
    first.delete(third.id());

    // A new JVM opens the same directory.
    OwnershipRegistry restarted = open();
    assertEquals(List.of("orch-a"), restarted.list().stream()
        .map(RegistryEntry::owner).filter(o -> o != null).toList());
    RegistryEntry next = restarted.create("nvme2", null, "emulated", "d");
    assertEquals(4, next.id());
  }

  @Test
  void entriesAreCompleteFilesWithNoTemporariesLeft() throws Exception {
    OwnershipRegistry r = open();
    r.create("nvme0", "boot", "emulated", "a");
    r.setOwner(1, "stas");
    try (Stream<Path> files = Files.list(r.directory())) {
      Set<String> names = new HashSet<>();
      files.forEach(f -> names.add(f.getFileName().toString()));
      assertEquals(Set.of("1.entry", "next-id", ".lock"), names);
    }
    String text = Files.readString(r.directory().resolve("1.entry"));
    assertTrue(text.startsWith("format=1\nid=1\nname=nvme0\nowner=stas\n"), text);
  }

  @Test
  void leftoverTemporariesAreIgnoredAndCleanedUp() throws Exception {
    OwnershipRegistry r = open();
    Path tmp = r.directory().resolve(".tmp.7.entry.dead");
    Files.writeString(tmp, "format=1\nid=7\n");
    assertEquals(List.of(), r.list());
    r.create("nvme0", null, "emulated", "a");
    assertFalse(Files.exists(tmp));
  }

  @Test
  void anyOwnerTextRoundTrips() throws Exception {
    OwnershipRegistry r = open();
    String owner = "ACME Corp \"prod\" team's box !@#% \\n\nsecond line=x\r\u00e9";
    r.create("nvme0", owner, "emulated", "host=a\\b");
    RegistryEntry e = open().get(1).orElseThrow();
    assertEquals(owner, e.owner());
    assertEquals("host=a\\b", e.address());
    assertThrows(IllegalArgumentException.class, () -> r.create("nvme1", "", "emulated", "a"));
    assertThrows(IllegalArgumentException.class, () -> r.create(" ", null, "emulated", "a"));
    // A refused entry spends no id.
    assertEquals(2, r.create("nvme1", null, "emulated", "a").id());
  }

  @Test
  void corruptEntryIsReportedAndNeverTreatedAsAbsent() throws Exception {
    OwnershipRegistry r = open();
    r.create("nvme0", "orch-a", "emulated", "a");
    r.create("nvme1", null, "emulated", "b");
    Path bad = r.directory().resolve("2.entry");
    Files.writeString(bad, "format=1\nid=2\nname=nvme1\ngarbage\n");

    RegistrySnapshot s = r.snapshot();
    assertFalse(s.readable());
    assertTrue(s.listed());
    assertEquals(List.of(1L), s.entries().stream().map(RegistryEntry::id).toList());
    assertEquals(2, s.problem(2).orElseThrow().id());
    RegistryUnreadableException e = assertThrows(RegistryUnreadableException.class, r::list);
    assertEquals(bad, e.path());
    assertThrows(RegistryUnreadableException.class, () -> r.get(2));
    assertThrows(RegistryUnreadableException.class, () -> r.setOwner(2, "x"));
    assertThrows(RegistryUnreadableException.class, () -> r.removeIfIdMatches("nvme1", 2));
    assertTrue(Files.exists(bad));
    // An administrator can still remove it by id.
    assertTrue(r.delete(2));
    assertTrue(r.snapshot().readable());
  }

  @Test
  void malformedEntriesOfEveryKindAreUnreadable() throws Exception {
    OwnershipRegistry r = open();
    List<String> bodies = List.of(
        "",
        "format=2\nid=1\nname=n\ntransport=t\naddress=a\ncreated=2026-11-21T10:00:00Z\n",
        "format=1\nid=9\nname=n\ntransport=t\naddress=a\ncreated=2026-11-21T10:00:00Z\n",
        "format=1\nid=1\nname=n\ntransport=t\naddress=a\ncreated=yesterday\n",
        "format=1\nid=1\nname=n\nname=m\ntransport=t\naddress=a\ncreated=2026-11-21T10:00:00Z\n",
        "format=1\nid=1\nname=n\ntransport=t\naddress=a\\q\ncreated=2026-11-21T10:00:00Z\n",
        "format=1\nid=1\nname=\ntransport=t\naddress=a\ncreated=2026-11-21T10:00:00Z\n");
    for (String body : bodies) {
      Files.writeString(r.directory().resolve("1.entry"), body);
      assertThrows(RegistryUnreadableException.class, () -> r.get(1), body);
    }
    Files.write(r.directory().resolve("1.entry"), new byte[] {(byte) 0xff, (byte) 0xfe});
    assertThrows(RegistryUnreadableException.class, () -> r.get(1));
    Files.writeString(r.directory().resolve("1.entry"),
        "format=1\nid=1\nname=n\ntransport=t\naddress=a\ncreated=2026-11-21T10:00:00Z\n"
            + "future=field\n");
    assertEquals("n", r.get(1).orElseThrow().name());
  }

  @Test
  void unreadableDirectoryIsReportedNotEmpty() throws Exception {
    OwnershipRegistry r = open();
    r.create("nvme0", "orch-a", "emulated", "a");
    Path dir = r.directory();
    Path moved = state.resolve("moved");
    Files.move(dir, moved);
    // A file where the directory was: it exists but cannot be listed.
    Files.writeString(dir, "not a directory");
    RegistrySnapshot s = r.snapshot();
    assertFalse(s.listed());
    assertFalse(s.readable());
    assertEquals(List.of(), s.entries());
    assertThrows(RegistryUnreadableException.class, r::list);
    assertThrows(RegistryUnreadableException.class, () -> OwnershipRegistry.open(state));
  }

  @Test
  void untrustworthyCounterHandsOutNoId() throws Exception {
    OwnershipRegistry r = open();
    r.create("nvme0", null, "emulated", "a");
    r.create("nvme1", null, "emulated", "b");
    Path counter = r.directory().resolve("next-id");

    Files.writeString(counter, "two\n");
    assertThrows(RegistryUnreadableException.class, () -> r.create("nvme2", null, "e", "c"));
    Files.writeString(counter, "2\n");
    assertThrows(RegistryUnreadableException.class, () -> r.create("nvme2", null, "e", "c"));
    Files.delete(counter);
    assertThrows(RegistryUnreadableException.class, () -> r.create("nvme2", null, "e", "c"));
    assertEquals(2, r.list().size());

    Files.writeString(counter, "10\n");
    assertEquals(10, r.create("nvme2", null, "e", "c").id());
  }

  @Test
  void staleCleanupOfAnOldIdLeavesTheNewControllersEntry() throws Exception {
    OwnershipRegistry r = open();
    RegistryEntry old = r.create("nvme1", "orch-a", "emulated", "old");
    // nvme1 goes away; before its cleanup runs, a new controller is given nvme1.
    RegistryEntry fresh = r.create("nvme1", "orch-b", "emulated", "new");

    assertTrue(r.removeIfIdMatches("nvme1", old.id()));
    assertFalse(r.removeIfIdMatches("nvme1", old.id()));
    assertEquals(List.of(fresh), r.list());
    // A cleanup with the right id but another name is not for this entry either.
    assertFalse(r.removeIfIdMatches("nvme2", fresh.id()));
    assertEquals(List.of(fresh), r.list());
  }

  @Test
  void staleCleanupRacingNewControllersNeverRemovesANewEntry() throws Exception {
    OwnershipRegistry cleaner = open();
    OwnershipRegistry connector = open();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 100; round++) {
        String n = Integer.toString(round);
        RegistryEntry old = connector.create("nvme1", null, "emulated", "old" + n);
        CyclicBarrier start = new CyclicBarrier(2);
        Future<Boolean> cleanup = pool.submit(() -> {
          start.await();
          return cleaner.removeIfIdMatches("nvme1", old.id());
        });
        Future<RegistryEntry> connect = pool.submit(() -> {
          start.await();
          return connector.create("nvme1", "orch-b", "emulated", "new" + n);
        });
        RegistryEntry fresh = connect.get();
        assertTrue(cleanup.get());
        assertEquals(List.of(fresh), connector.list());
        connector.delete(fresh.id());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentWritersInOneJvmGetDistinctIdsAndLoseNothing() throws Exception {
    List<OwnershipRegistry> registries = List.of(open(), open());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    ConcurrentLinkedQueue<Long> kept = new ConcurrentLinkedQueue<>();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        OwnershipRegistry r = registries.get(t % 2);
        int worker = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 50; i++) {
            RegistryEntry e = r.create("nvme" + i, "w" + worker, "emulated", "a");
            if (i % 2 == 0) {
              r.delete(e.id());
            } else {
              kept.add(e.id());
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    List<Long> ids = open().list().stream().map(RegistryEntry::id).toList();
    assertEquals(new HashSet<>(kept), new HashSet<>(ids));
    assertEquals(100, ids.size());
    assertEquals("201", Files.readString(state.resolve("registry/next-id"), UTF_8).trim());
  }
}
