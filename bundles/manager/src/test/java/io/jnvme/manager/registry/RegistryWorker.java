package io.jnvme.manager.registry;

import io.jnvme.manager.naming.InstancePool;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * One process of {@link TwoProcessRegistryTest}: for a bounded time it connects and disconnects
 * pretend controllers on a shared registry directory, cleans up stale entries and changes
 * owners, checking after every step that none of its own entries went missing, and logs what it
 * did.
 *
 * <p>Log lines: {@code C id name owner} (created), {@code D id} (deleted), {@code O id owner}
 * (owner set), {@code S id name removed} (stale cleanup of an id it deleted earlier),
 * {@code ERR text}, and at the end {@code LIVE id name owner} per entry it still holds and
 * {@code END ops}. An owner of {@code -} means unowned.
 *
 * <p>Arguments: state directory, worker name, duration in milliseconds, log file, seed.
 */
public final class RegistryWorker {
  private record Held(long id, String name, String owner) {}

  private RegistryWorker() {}

  public static void main(String[] args) throws Exception {
    Path state = Path.of(args[0]);
    String worker = args[1];
    long deadline = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000L;
    Path logFile = Path.of(args[3]);
    Random rnd = new Random(Long.parseLong(args[4]));
    // Two instances on one directory, as after an in-JVM restart: they must queue on the JVM
    // lock as well as on the file lock.
    List<OwnershipRegistry> registries =
        List.of(OwnershipRegistry.open(state), OwnershipRegistry.open(state));
    String[] owners = {worker, "orch-a", null};
    Map<Long, Held> live = new LinkedHashMap<>();
    List<Held> gone = new ArrayList<>();
    // Names come from a private pool, so both processes use nvme0, nvme1, ... at once.
    InstancePool names = InstancePool.startingAt(0);
    long ops = 0;
    try (PrintWriter log = new PrintWriter(Files.newBufferedWriter(logFile), true)) {
      while (System.nanoTime() < deadline) {
        OwnershipRegistry r = registries.get(rnd.nextInt(2));
        int op = rnd.nextInt(10);
        ops++;
        if (op < 4 && live.size() < 8) {
          int n = names.lowestFree();
          names = names.withAllocated(n);
          String owner = owners[rnd.nextInt(owners.length)];
          RegistryEntry e = r.create("nvme" + n, owner, "emulated", worker + ":" + ops);
          live.put(e.id(), new Held(e.id(), e.name(), owner));
          log.println("C " + e.id() + " " + e.name() + " " + text(owner));
        } else if (op < 7 && !live.isEmpty()) {
          Held h = pick(rnd, live);
          boolean deleted = r.delete(h.id());
          if (!deleted) {
            log.println("ERR my entry vanished before I deleted it id=" + h.id());
          }
          live.remove(h.id());
          gone.add(h);
          names = names.withFreed(Integer.parseInt(h.name().substring(4)));
          log.println("D " + h.id());
        } else if (op < 8 && !gone.isEmpty()) {
          // A late cleanup for a controller that is gone: its name very likely belongs to a
          // newer entry by now, in this process or the other one.
          Held h = gone.get(rnd.nextInt(gone.size()));
          boolean removed = r.removeIfIdMatches(h.name(), h.id());
          log.println("S " + h.id() + " " + h.name() + " " + removed);
        } else if (op < 9 && !live.isEmpty()) {
          Held h = pick(rnd, live);
          String owner = owners[rnd.nextInt(owners.length)];
          try {
            r.setOwner(h.id(), owner);
          } catch (EntryNotFoundException e) {
            log.println("ERR my entry vanished before I changed its owner id=" + h.id());
          }
          live.put(h.id(), new Held(h.id(), h.name(), owner));
          log.println("O " + h.id() + " " + text(owner));
        }
        check(r, live, log);
      }
      for (Held h : live.values()) {
        log.println("LIVE " + h.id() + " " + h.name() + " " + text(h.owner()));
      }
      log.println("END " + ops);
    }
  }

  /** Every entry this process holds must be there, unchanged. */
  private static void check(OwnershipRegistry r, Map<Long, Held> live, PrintWriter log) {
    RegistrySnapshot s = r.snapshot();
    if (!s.readable()) {
      log.println("ERR registry unreadable " + s.failure() + " " + s.problems());
      return;
    }
    for (Held h : live.values()) {
      RegistryEntry e = s.entry(h.id()).orElse(null);
      if (e == null) {
        log.println("ERR lost entry id=" + h.id() + " name=" + h.name());
      } else if (!e.name().equals(h.name()) || !Objects.equals(e.owner(), h.owner())) {
        log.println("ERR entry changed id=" + h.id() + " found=" + e);
      }
    }
  }

  private static Held pick(Random rnd, Map<Long, Held> live) {
    List<Held> all = new ArrayList<>(live.values());
    return all.get(rnd.nextInt(all.size()));
  }

  private static String text(String owner) {
    return owner == null ? "-" : owner;
  }
}
