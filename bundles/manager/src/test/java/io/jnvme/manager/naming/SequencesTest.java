package io.jnvme.manager.naming;

import static io.jnvme.manager.naming.ControllerIdentity.CMIC_MULTI_CONTROLLER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The hot-plug sequences of NAMING-AND-REGISTRY.md §1.7, step by step, each step checked
 * against the names in the document's table.
 */
class SequencesTest {
  private static final String NQN_S = "nqn.2019-09.io.jnvme:subsys-s";
  private static final String NQN_P = "nqn.2019-09.io.jnvme:drive-p";
  private static final String NQN_X = "nqn.2019-09.io.jnvme:x";
  private static final String NQN_Y = "nqn.2019-09.io.jnvme:y";

  /** Adds, identifies and scans a controller, as a connect does. */
  static Topology connect(Topology t, String key, ControllerIdentity id, NamespaceIdentity... ns)
      throws NamingException {
    Topology out = t.addController(key).identify(key, id);
    for (NamespaceIdentity n : ns) {
      out = out.addNamespace(key, n);
    }
    return out;
  }

  static void assertNames(Topology t, Set<Integer> pool, List<String> controllers,
      List<String> subsystems, List<String> disks, List<String> hidden) {
    NameTable n = t.names();
    assertEquals(new TreeSet<>(pool), n.instancesInUse(), "pool in use");
    assertEquals(controllers, n.controllerNames(), "controllers");
    assertEquals(subsystems, n.subsystemNames(), "subsystems");
    assertEquals(disks, n.diskNames(), "disks");
    assertEquals(hidden, n.hiddenDiskNames(), "hidden paths");
  }

  @Test
  void sequenceA_twoPathsThenOneReconnects() throws Exception {
    ControllerIdentity a = ControllerIdentity.of(NQN_S, 1, CMIC_MULTI_CONTROLLER);
    ControllerIdentity b = ControllerIdentity.of(NQN_S, 2, CMIC_MULTI_CONTROLLER);
    NamespaceIdentity ns1 = NamespaceIdentity.shared(1);

    // 1: Ctrl A connects.
    Topology t = connect(Topology.empty(), "A", a, ns1);
    assertNames(t, Set.of(0), List.of("nvme0"), List.of("nvme-subsys0"), List.of("nvme0n1"),
        List.of("nvme0c0n1"));
    assertEquals(List.of("ng0n1"), t.names().charDeviceNames());

    // 2: Ctrl B, same subsystem; nvme0n1 unchanged.
    t = connect(t, "B", b, ns1);
    assertNames(t, Set.of(0, 1), List.of("nvme0", "nvme1"), List.of("nvme-subsys0"),
        List.of("nvme0n1"), List.of("nvme0c0n1", "nvme0c1n1"));
    assertEquals(List.of("nvme0", "nvme1"), t.names().disk("nvme0n1").orElseThrow().controllers());

    // 3: A disconnects; 0 stays in use, held by the subsystem; nvme0n1 is served via B.
    t = t.removeController("A");
    assertNames(t, Set.of(0, 1), List.of("nvme1"), List.of("nvme-subsys0"), List.of("nvme0n1"),
        List.of("nvme0c1n1"));
    assertEquals(List.of("subsystem:" + NQN_S), t.holdersOf(0));

    // 4: A reconnects as a new controller object; no controller named nvme0 exists now.
    t = connect(t, "A'", a, ns1);
    assertNames(t, Set.of(0, 1, 2), List.of("nvme1", "nvme2"), List.of("nvme-subsys0"),
        List.of("nvme0n1"), List.of("nvme0c1n1", "nvme0c2n1"));

    // 5: An unrelated PCIe drive P: its names match its controller.
    t = connect(t, "P", ControllerIdentity.of(NQN_P, 1, 0), NamespaceIdentity.of(1));
    assertNames(t, Set.of(0, 1, 2, 3), List.of("nvme1", "nvme2", "nvme3"),
        List.of("nvme-subsys0", "nvme-subsys3"), List.of("nvme0n1", "nvme3n1"),
        List.of("nvme0c1n1", "nvme0c2n1"));
    assertEquals(List.of("ng0n1", "ng3n1"), t.names().charDeviceNames());
  }

  @Test
  void sequenceC_doesNotHappen_newDriveNeverCollidesWithSurvivingSubsystem() throws Exception {
    ControllerIdentity a = ControllerIdentity.of(NQN_S, 1, CMIC_MULTI_CONTROLLER);
    ControllerIdentity b = ControllerIdentity.of(NQN_S, 2, CMIC_MULTI_CONTROLLER);
    NamespaceIdentity ns1 = NamespaceIdentity.shared(1);
    Topology t = connect(Topology.empty(), "A", a, ns1);
    t = connect(t, "B", b, ns1);
    t = t.removeController("A");

    // Under the rejected proposal P would get 0 and a second subsystem would also name nvme0n1.
    t = connect(t, "P", ControllerIdentity.of(NQN_P, 1, 0), NamespaceIdentity.of(1));
    assertNames(t, Set.of(0, 1, 2), List.of("nvme1", "nvme2"),
        List.of("nvme-subsys0", "nvme-subsys2"), List.of("nvme0n1", "nvme2n1"),
        List.of("nvme0c1n1"));
  }

  @Test
  void sequenceD_namespaceHeldOpenAcrossReconnect() throws Exception {
    ControllerIdentity drive = ControllerIdentity.of(NQN_S, 1, 0);
    NamespaceIdentity ns1 = NamespaceIdentity.of(1);

    // 1: the controller gets 0, subsystem S0 is created, nvme0n1 is mounted.
    Topology t = connect(Topology.empty(), "old", drive, ns1);
    assertNames(t, Set.of(0), List.of("nvme0"), List.of("nvme-subsys0"), List.of("nvme0n1"),
        List.of());
    assertEquals(List.of("ng0n1"), t.names().charDeviceNames());
    t = t.open("nvme0n1", "mount");

    // 2: the controller is deleted; the open namespace object holds its head, the controller
    // object and S0, but no device is left.
    t = t.removeController("old");
    assertNames(t, Set.of(0), List.of(), List.of("nvme-subsys0"), List.of(), List.of());
    Topology.ControllerView old = t.controller("old").orElseThrow();
    assertFalse(old.live());
    assertEquals(List.of("namespace:1"), old.heldBy());

    // 3: reconnect; 0 is held, so the controller gets 1.
    t = t.addController("new");
    assertEquals(1, t.controller("new").orElseThrow().instance());

    // 4: it joins S0; the old controller is being deleted, so the CNTLID and CMIC checks skip it.
    t = t.identify("new", drive);
    assertEquals(0, t.controller("new").orElseThrow().subsystem().getAsInt());

    // 5: the scan cannot find the old head, so the namespace gets H=2: nvme0n2 on nvme1, ng1n2.
    t = t.addNamespace("new", ns1);
    assertNames(t, Set.of(0, 1), List.of("nvme1"), List.of("nvme-subsys0"), List.of("nvme0n2"),
        List.of());
    assertEquals(List.of("ng1n2"), t.names().charDeviceNames());

    // Unmounting releases the old object and head 1; a rescan after that reuses H=1.
    t = t.close("mount");
    assertTrue(t.controller("old").isEmpty());
    assertEquals(Set.of(0, 1), t.instancesInUse());
    t = t.removeNamespace("new", 1).addNamespace("new", ns1);
    assertEquals(List.of("nvme0n1"), t.names().diskNames());
  }

  @Test
  void sequenceD_withMultipathOff_namesFollowTheController() throws Exception {
    ControllerIdentity drive = ControllerIdentity.of(NQN_S, 1, 0);
    Topology t = connect(Topology.empty(NamingPolicy.NO_MULTIPATH), "old", drive,
        NamespaceIdentity.of(1));
    t = t.open("nvme0n1", "mount").removeController("old");
    t = connect(t, "new", drive, NamespaceIdentity.of(1));
    assertEquals(List.of("nvme1n2"), t.names().diskNames());
    assertEquals(List.of("ng1n2"), t.names().charDeviceNames());
  }

  @Test
  void sequenceE_resetKeepsEveryName() throws Exception {
    // A reset or reconnect within the loss timeout keeps the controller object: there is no
    // operation to apply, so the names are those of the unchanged state.
    Topology t = connect(Topology.empty(), "A",
        ControllerIdentity.of(NQN_S, 1, CMIC_MULTI_CONTROLLER), NamespaceIdentity.shared(1));
    NameTable before = t.names();
    assertEquals(before, t.names());
  }

  @Test
  void sequenceF_namespaceChurnReusesHeadNumbers() throws Exception {
    Topology t = connect(Topology.empty(), "A",
        ControllerIdentity.of(NQN_S, 1, 0).withOacs(ControllerIdentity.OACS_NS_MANAGEMENT),
        NamespaceIdentity.of(1), NamespaceIdentity.of(2), NamespaceIdentity.of(3));
    assertEquals(List.of("nvme0n1", "nvme0n2", "nvme0n3"), t.names().diskNames());

    t = t.removeNamespace("A", 2);
    assertEquals(List.of("nvme0n1", "nvme0n3"), t.names().diskNames());

    t = t.addNamespace("A", NamespaceIdentity.of(5));
    assertEquals(List.of("nvme0n1", "nvme0n2", "nvme0n3"), t.names().diskNames());
    assertEquals(5, t.names().disk("nvme0n2").orElseThrow().nsid());
    assertEquals(2, t.names().disk("nvme0n2").orElseThrow().head());
  }

  @Test
  void sequenceG_everyDiscoveryControllerGetsItsOwnSubsystem() throws Exception {
    ControllerIdentity dc = ControllerIdentity.of(ControllerIdentity.DISCOVERY_NQN, 1, 0)
        .asDiscovery();
    Topology t = connect(Topology.empty(), "dc1", dc);
    t = connect(t, "dc2", dc);
    assertNames(t, Set.of(0, 1), List.of("nvme0", "nvme1"),
        List.of("nvme-subsys0", "nvme-subsys1"), List.of(), List.of());
  }

  @Test
  void sequenceH_secondControllerOfSingleControllerSubsystemIsRejected() throws Exception {
    Topology t = connect(Topology.empty(), "A", ControllerIdentity.of(NQN_S, 1, 0));
    Topology added = t.addController("B");
    NamingException e = assertThrows(NamingException.class,
        () -> added.identify("B", ControllerIdentity.of(NQN_S, 2, 0)));
    assertEquals(NamingException.Reason.NOT_MULTI_CONTROLLER, e.reason());
    // A controller that fails before it has a subsystem frees its own number.
    assertEquals(Set.of(0), added.removeController("B").instancesInUse());
  }

  @Test
  void sequenceH_duplicateCntlidIsRejected() throws Exception {
    Topology t = connect(Topology.empty(), "A",
        ControllerIdentity.of(NQN_S, 7, CMIC_MULTI_CONTROLLER));
    Topology added = t.addController("B");
    NamingException e = assertThrows(NamingException.class,
        () -> added.identify("B", ControllerIdentity.of(NQN_S, 7, CMIC_MULTI_CONTROLLER)));
    assertEquals(NamingException.Reason.DUPLICATE_CNTLID, e.reason());
  }

  @Test
  void sequenceH_identicalSyntheticNqnsCollide() throws Exception {
    // Two identical drives without a SUBNQN and with the same SN get the same synthetic NQN.
    ControllerIdentity noNqn = new ControllerIdentity("", 0x8086, 0x8086, "SAME", "Old drive", 0,
        0, 0, 0, false, false);
    Topology t = connect(Topology.empty(), "A", noNqn);
    Topology added = t.addController("B");
    assertEquals(NamingException.Reason.NOT_MULTI_CONTROLLER,
        assertThrows(NamingException.class, () -> added.identify("B", noNqn.withCntlid(1)))
            .reason());
  }

  @Test
  void sequenceJ_openControllerHandleKeepsItsNumber() throws Exception {
    Topology t = connect(Topology.empty(), "X", ControllerIdentity.of(NQN_X, 1, 0),
        NamespaceIdentity.of(1));
    t = t.open("nvme0", "cli").removeController("X");
    assertNames(t, Set.of(0), List.of(), List.of("nvme-subsys0"), List.of(), List.of());
    assertEquals(List.of("handle:cli"), t.controller("X").orElseThrow().heldBy());

    t = connect(t, "Y", ControllerIdentity.of(NQN_Y, 1, 0), NamespaceIdentity.of(1));
    assertNames(t, Set.of(0, 1), List.of("nvme1"), List.of("nvme-subsys0", "nvme-subsys1"),
        List.of("nvme1n1"), List.of());

    t = t.close("cli");
    assertNames(t, Set.of(1), List.of("nvme1"), List.of("nvme-subsys1"), List.of("nvme1n1"),
        List.of());
    t = connect(t, "Z", ControllerIdentity.of(NQN_X, 1, 0));
    assertEquals(List.of("nvme0", "nvme1"), t.names().controllerNames());
  }

  @Test
  void openMultipathNodeHoldsTheHeadAcrossLossOfAllPaths() throws Exception {
    ControllerIdentity a = ControllerIdentity.of(NQN_S, 1, CMIC_MULTI_CONTROLLER);
    Topology t = connect(Topology.empty(), "A", a, NamespaceIdentity.shared(1));
    t = t.open("nvme0n1", "fs").removeController("A");
    // The head is held (its number too) but has no path, so it has no device and a returning
    // path cannot find it.
    assertNames(t, Set.of(0), List.of(), List.of("nvme-subsys0"), List.of(), List.of());
    t = connect(t, "A'", a, NamespaceIdentity.shared(1));
    assertEquals(List.of("nvme0n2"), t.names().diskNames());
    t = t.close("fs");
    assertEquals(List.of("nvme0n2"), t.names().diskNames());
  }

  @Test
  void multipathOff_sharedNamespaceShowsOncePerController() throws Exception {
    NamespaceIdentifiers ids = new NamespaceIdentifiers("00112233445566778899aabbccddeeff", null,
        null, 0);
    NamespaceIdentity ns = new NamespaceIdentity(1, ids, true);
    Topology t = connect(Topology.empty(NamingPolicy.NO_MULTIPATH), "A",
        ControllerIdentity.of(NQN_S, 1, CMIC_MULTI_CONTROLLER), ns);
    t = connect(t, "B", ControllerIdentity.of(NQN_S, 2, CMIC_MULTI_CONTROLLER), ns);
    assertNames(t, Set.of(0, 1), List.of("nvme0", "nvme1"), List.of("nvme-subsys0"),
        List.of("nvme0n1", "nvme1n1"), List.of());
    assertEquals(2, t.names().byAlias("nguid:00112233445566778899aabbccddeeff").size());
  }

  @Test
  void multipathAlwaysOn_singleControllerGetsAMultipathNode() throws Exception {
    Topology t = connect(Topology.empty(new NamingPolicy(false, true)), "A",
        ControllerIdentity.of(NQN_S, 1, 0), NamespaceIdentity.shared(1), NamespaceIdentity.of(2));
    // NSID 2 is private and its NSID not unique in the subsystem, so it gets a plain device.
    assertEquals(List.of("nvme0n1", "nvme0n2"), t.names().diskNames());
    assertEquals(List.of("nvme0c0n1"), t.names().hiddenDiskNames());
    assertEquals(List.of("ng0n1", "ng0n2"), t.names().charDeviceNames());
  }

  @Test
  void privateNamespacesOnDifferentControllersMayShareAnNsid() throws Exception {
    Topology t = connect(Topology.empty(), "A",
        ControllerIdentity.of(NQN_S, 1, CMIC_MULTI_CONTROLLER), NamespaceIdentity.of(1));
    t = connect(t, "B", ControllerIdentity.of(NQN_S, 2, CMIC_MULTI_CONTROLLER),
        NamespaceIdentity.of(1));
    assertEquals(List.of("nvme0n1", "nvme0n2"), t.names().diskNames());
    assertEquals(List.of("ng0n1", "ng1n2"), t.names().charDeviceNames());
  }

  @Test
  void namespaceRejections() throws Exception {
    ControllerIdentity mgmt = ControllerIdentity.of(NQN_S, 1, CMIC_MULTI_CONTROLLER)
        .withOacs(ControllerIdentity.OACS_NS_MANAGEMENT);
    NamespaceIdentifiers one = new NamespaceIdentifiers(null, "0011223344556677", null, 0);
    NamespaceIdentifiers two = new NamespaceIdentifiers(null, "8899aabbccddeeff", null, 0);
    Topology t = connect(Topology.empty(), "A", mgmt, new NamespaceIdentity(1, one, true),
        NamespaceIdentity.of(2));
    Topology b = t.addController("B").identify("B", mgmt.withCntlid(2));

    assertEquals(NamingException.Reason.DUPLICATE_UNSHARED_NAMESPACE, assertThrows(
        NamingException.class, () -> b.addNamespace("B", NamespaceIdentity.shared(2))).reason());
    assertEquals(NamingException.Reason.IDENTIFIERS_MISMATCH, assertThrows(
        NamingException.class, () -> b.addNamespace("B", new NamespaceIdentity(1, two, true)))
        .reason());
    assertEquals(NamingException.Reason.DUPLICATE_IDENTIFIERS, assertThrows(
        NamingException.class, () -> b.addNamespace("B", new NamespaceIdentity(3, one, true)))
        .reason());
    // NS management makes NSID 2 unique in the subsystem, so even the private one is multipath.
    assertEquals(List.of("nvme0c0n1", "nvme0c0n2", "nvme0c1n1"),
        b.addNamespace("B", new NamespaceIdentity(1, one, true)).names().hiddenDiskNames());
  }

  @Test
  void controllersDisagreeingOnCmicCannotGiveTwoPathsOneName() throws Exception {
    // The subsystem takes CMIC from its first controller (no multipath node), while the second
    // controller's own CMIC lets it join; its path would get the name the first one has.
    Topology t = connect(Topology.empty(), "A", ControllerIdentity.of(NQN_S, 1, 0),
        NamespaceIdentity.shared(1));
    Topology b = connect(t, "B", ControllerIdentity.of(NQN_S, 2, CMIC_MULTI_CONTROLLER));
    assertEquals(NamingException.Reason.NAME_IN_USE, assertThrows(NamingException.class,
        () -> b.addNamespace("B", NamespaceIdentity.shared(1))).reason());
  }

  @Test
  void syntheticNqnFromVidSsvidSnMn() {
    ControllerIdentity id = new ControllerIdentity("", 0x144d, 0xa801, "S3X9NX0K123456",
        "Samsung SSD 970", 1, 0, 0, 0, false, false);
    String nqn = id.subsystemNqn();
    assertEquals("nqn.2014.08.org.nvmexpress:144da801S3X9NX0K123456      Samsung SSD 970"
        + " ".repeat(25), nqn);
    ControllerIdentity withNqn = new ControllerIdentity("nqn.x", 1, 1, "a", "b", 1, 0, 0, 0,
        false, false);
    assertEquals("nqn.x", withNqn.subsystemNqn());
    ControllerIdentity quirk = new ControllerIdentity("nqn.x", 1, 1, "a", "b", 1, 0, 0, 0,
        false, true);
    assertNotEquals("nqn.x", quirk.subsystemNqn());
    ControllerIdentity tooLong = new ControllerIdentity("n".repeat(223), 1, 1, "a", "b", 1, 0,
        0, 0, false, false);
    assertTrue(tooLong.subsystemNqn().startsWith("nqn.2014.08.org.nvmexpress:00010001a"));
  }

  @Test
  void operationsLeaveTheOriginalStateUnchanged() throws Exception {
    Topology empty = Topology.empty();
    Topology one = connect(empty, "A", ControllerIdentity.of(NQN_S, 1, 0),
        NamespaceIdentity.of(1));
    one.removeController("A");
    assertEquals(List.of(), empty.names().controllerNames());
    assertEquals(List.of("nvme0n1"), one.names().diskNames());
  }

  @Test
  void misuseIsRefused() throws Exception {
    Topology t = connect(Topology.empty(), "A", ControllerIdentity.of(NQN_S, 1, 0),
        NamespaceIdentity.of(1));
    assertThrows(IllegalArgumentException.class, () -> t.addController("A"));
    assertThrows(IllegalStateException.class,
        () -> t.identify("A", ControllerIdentity.of(NQN_S, 1, 0)));
    assertThrows(IllegalStateException.class, () -> t.addNamespace("A", NamespaceIdentity.of(1)));
    assertThrows(IllegalStateException.class, () -> t.removeNamespace("A", 2));
    assertThrows(IllegalArgumentException.class, () -> t.open("nvme9n9", "h"));
    assertThrows(IllegalArgumentException.class, () -> t.close("h"));
    Topology unidentified = t.addController("B");
    assertThrows(IllegalStateException.class,
        () -> unidentified.addNamespace("B", NamespaceIdentity.of(1)));
  }
}
