package io.jnvme.manager.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs connect and disconnect on one registry directory for a while (system property
 * {@value #DURATION_PROPERTY}, seconds, default 30); afterwards the registry must hold exactly
 * what the processes report as still connected: no entry lost, none removed by the process that
 * did not create it, no id handed out twice.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TwoProcessRegistryTest {
  static final String DURATION_PROPERTY = "jnvme.registry.twoProcessSeconds";

  @TempDir Path dir;

  /** What one worker process logged. */
  private record Report(
      String worker, Set<Long> created, List<Long> deleted, Map<Long, String> live,
      List<String> errors, List<String> staleRemoved, long ops) {}

  @Test
  void registryMatchesRealityAfterTwoProcessesShareIt() throws Exception {
    long seconds = Long.getLong(DURATION_PROPERTY, 30);
    Path state = dir.resolve("state");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    List<Process> processes = new ArrayList<>();
    List<String> workers = List.of("p1", "p2");
    for (int i = 0; i < workers.size(); i++) {
      String w = workers.get(i);
      ProcessBuilder pb = new ProcessBuilder(java, "-cp", classpath,
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", RegistryWorker.class.getName(),
          state.toString(), w, Long.toString(seconds * 1000), dir.resolve(w + ".log").toString(),
          Long.toString(17 + i));
      pb.redirectErrorStream(true).redirectOutput(dir.resolve(w + ".out").toFile());
      processes.add(pb.start());
    }
    for (int i = 0; i < processes.size(); i++) {
      Process p = processes.get(i);
      boolean exited = p.waitFor(seconds + 60, TimeUnit.SECONDS);
      if (!exited) {
        p.destroyForcibly();
      }
      assertTrue(exited, workers.get(i) + " did not finish");
      assertEquals(0, p.exitValue(),
          workers.get(i) + " failed: " + Files.readString(dir.resolve(workers.get(i) + ".out")));
    }

    List<Report> reports = new ArrayList<>();
    for (String w : workers) {
      reports.add(parse(w, Files.readAllLines(dir.resolve(w + ".log"))));
    }
    Map<Long, String> expected = new TreeMap<>();
    Set<Long> allCreated = new HashSet<>();
    for (Report r : reports) {
      System.out.printf("two-process registry worker=%s seconds=%d ops=%d created=%d deleted=%d"
          + " live=%d%n", r.worker(), seconds, r.ops(), r.created().size(), r.deleted().size(),
          r.live().size());
      assertEquals(List.of(), r.errors(), r.worker() + " saw its own entries disturbed");
      assertEquals(List.of(), r.staleRemoved(), r.worker() + " stale cleanup removed an entry");
      assertTrue(r.ops() > 100, r.worker() + " did too little: ops=" + r.ops());
      assertTrue(r.deleted().size() > 10, r.worker() + " deleted too little");
      // Ids are never handed out twice, across processes.
      for (long id : r.created()) {
        assertTrue(allCreated.add(id), "id handed out twice id=" + id);
      }
      // A process deletes only what it created, each once; the rest it still holds.
      assertEquals(r.deleted().size(), new HashSet<>(r.deleted()).size(), r.worker());
      assertTrue(r.created().containsAll(r.deleted()), r.worker());
      Set<Long> remaining = new HashSet<>(r.created());
      r.deleted().forEach(remaining::remove);
      assertEquals(remaining, r.live().keySet(), r.worker() + " live = created - deleted");
      expected.putAll(r.live());
    }

    Map<Long, String> actual = new TreeMap<>();
    for (RegistryEntry e : OwnershipRegistry.open(state).list()) {
      actual.put(e.id(), e.name() + " " + (e.owner() == null ? "-" : e.owner()));
    }
    assertEquals(expected, actual, "registry matches what the processes hold");
  }

  private static Report parse(String worker, List<String> lines) {
    Set<Long> created = new HashSet<>();
    List<Long> deleted = new ArrayList<>();
    Map<Long, String> live = new HashMap<>();
    List<String> errors = new ArrayList<>();
    List<String> staleRemoved = new ArrayList<>();
    long ops = -1;
    for (String line : lines) {
      String[] f = line.split(" ", 2);
      switch (f[0]) {
        case "C" -> created.add(Long.parseLong(f[1].split(" ")[0]));
        case "D" -> deleted.add(Long.parseLong(f[1]));
        case "S" -> {
          if (f[1].endsWith(" true")) {
            staleRemoved.add(line);
          }
        }
        case "LIVE" -> {
          String[] g = f[1].split(" ", 2);
          live.put(Long.parseLong(g[0]), g[1]);
        }
        case "ERR" -> errors.add(line);
        case "END" -> ops = Long.parseLong(f[1]);
        default -> {
          // O lines: the final owner is in the LIVE line.
        }
      }
    }
    assertTrue(ops >= 0, worker + " log has no END line");
    return new Report(worker, created, deleted, live, errors, staleRemoved, ops);
  }
}
