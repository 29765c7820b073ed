package io.jnvme.manager.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Random hot-plug walks that check the invariants the naming rules promise after every step. */
class TopologyInvariantsTest {
  private static final String[] NQNS = {"nqn.a", "nqn.b", "nqn.c", ControllerIdentity.DISCOVERY_NQN};

  @Test
  void invariantsHoldOnRandomWalks() {
    for (long seed = 0; seed < 60; seed++) {
      walk(new Random(seed), seed);
    }
  }

  private static void walk(Random rnd, long seed) {
    NamingPolicy policy = switch (rnd.nextInt(3)) {
      case 0 -> NamingPolicy.DEFAULT;
      case 1 -> NamingPolicy.NO_MULTIPATH;
      default -> new NamingPolicy(true, true);
    };
    Topology t = Topology.empty(policy);
    Map<String, Set<Integer>> liveNs = new HashMap<>();
    List<String> handles = new ArrayList<>();
    int keys = 0;
    int labels = 0;
    for (int step = 0; step < 150; step++) {
      String where = "seed=" + seed + " step=" + step;
      List<String> live = new ArrayList<>(liveNs.keySet());
      try {
        switch (rnd.nextInt(8)) {
          case 0, 1 -> {
            String key = "k" + keys++;
            t = t.addController(key);
            String nqn = NQNS[rnd.nextInt(NQNS.length)];
            boolean disc = nqn.equals(ControllerIdentity.DISCOVERY_NQN);
            ControllerIdentity id = new ControllerIdentity(nqn, 1, 1, "sn", "mn",
                rnd.nextInt(4), rnd.nextInt(4) == 0 ? 0 : ControllerIdentity.CMIC_MULTI_CONTROLLER,
                rnd.nextBoolean() ? ControllerIdentity.OACS_NS_MANAGEMENT : 0, 0, disc, false);
            try {
              t = t.identify(key, id);
              liveNs.put(key, new HashSet<>());
            } catch (NamingException e) {
              t = t.removeController(key);
            }
          }
          case 2, 3 -> {
            if (!live.isEmpty()) {
              String key = live.get(rnd.nextInt(live.size()));
              int nsid = 1 + rnd.nextInt(4);
              if (!liveNs.get(key).contains(nsid)) {
                try {
                  t = t.addNamespace(key, new NamespaceIdentity(nsid, NamespaceIdentifiers.NONE,
                      rnd.nextBoolean()));
                  liveNs.get(key).add(nsid);
                } catch (NamingException e) {
                  // rejected: the state is unchanged
                }
              }
            }
          }
          case 4 -> {
            if (!live.isEmpty()) {
              String key = live.get(rnd.nextInt(live.size()));
              List<Integer> ns = new ArrayList<>(liveNs.get(key));
              if (!ns.isEmpty()) {
                int nsid = ns.get(rnd.nextInt(ns.size()));
                t = t.removeNamespace(key, nsid);
                liveNs.get(key).remove(nsid);
              }
            }
          }
          case 5 -> {
            if (!live.isEmpty()) {
              String key = live.get(rnd.nextInt(live.size()));
              t = t.removeController(key);
              liveNs.remove(key);
            }
          }
          case 6 -> {
            NameTable n = t.names();
            List<String> devices = new ArrayList<>(n.controllerNames());
            devices.addAll(n.diskNames());
            devices.addAll(n.charDeviceNames());
            if (!devices.isEmpty()) {
              String label = "h" + labels++;
              t = t.open(devices.get(rnd.nextInt(devices.size())), label);
              handles.add(label);
            }
          }
          default -> {
            if (!handles.isEmpty()) {
              t = t.close(handles.remove(rnd.nextInt(handles.size())));
            }
          }
        }
      } catch (RuntimeException e) {
        throw new AssertionError(where, e);
      }
      check(t, where);
    }
    for (String key : liveNs.keySet()) {
      t = t.removeController(key);
    }
    for (String h : handles) {
      t = t.close(h);
    }
    assertEquals(Set.of(), t.instancesInUse(), "seed=" + seed + " everything released");
  }

  private static void check(Topology t, String where) {
    NameTable n = t.names();
    Set<Integer> held = new TreeSet<>();
    for (Topology.ControllerView c : t.controllers()) {
      held.add(c.instance());
    }
    for (NameTable.SubsystemName s : n.subsystems()) {
      held.add(s.instance());
      for (NameTable.ControllerName c : n.controllers()) {
        // A subsystem's number is never the number of a live controller of another subsystem.
        if (c.instance() == s.instance()) {
          assertEquals(s.name(), c.subsystem(), where + " " + c.name());
        }
      }
    }
    assertEquals(held, n.instancesInUse(), where + " pool matches its holders");
    List<String> all = new ArrayList<>();
    n.disks().forEach(d -> all.add(d.name()));
    all.addAll(n.charDeviceNames());
    all.addAll(n.controllerNames());
    assertEquals(all.size(), new HashSet<>(all).size(), where + " names unique: " + all);
    for (NameTable.DiskName d : n.disks()) {
      assertTrue(d.head() >= 1, where);
      assertNotEquals(List.of(), d.controllers(), where);
    }
  }
}
