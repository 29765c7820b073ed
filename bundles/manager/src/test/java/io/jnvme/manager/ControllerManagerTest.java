package io.jnvme.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.manager.naming.NamespaceIdentity;
import io.jnvme.manager.naming.NamingPolicy;
import io.jnvme.manager.registry.OwnershipRegistry;
import io.jnvme.manager.registry.RegistryEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControllerManagerTest {
  @TempDir Path state;
  private FakeConnector fake;
  private ControllerManager manager;

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakeConnector();
    manager = new ControllerManager(OwnershipRegistry.open(state), fake, NamingPolicy.DEFAULT);
  }

  /** nvme0 owned by orch-a, nvme1 by orch-b, nvme2 and nvme3 unowned. */
  private void connectMixedOwners() throws Exception {
    manager.connect(ConnectRequest.of("emulated").withOwner("orch-a"));
    manager.connect(ConnectRequest.of("emulated").withOwner("orch-b"));
    manager.connect(ConnectRequest.of("emulated"));
    manager.connect(ConnectRequest.of("emulated"));
  }

  private List<String> registryNames() throws Exception {
    return manager.registry().list().stream().map(RegistryEntry::name).toList();
  }

  @Test
  void disconnectAllByDefaultRemovesOnlyUnowned() throws Exception {
    connectMixedOwners();
    ControllerManager.DisconnectAllResult r = manager.disconnectAll(DisconnectSelector.unowned());
    assertEquals(List.of("nvme2", "nvme3"), r.disconnected());
    assertEquals(List.of("nvme0", "nvme1"), r.kept());
    assertEquals(List.of("nvme0", "nvme1"), fake.open());
    assertEquals(List.of("nvme0", "nvme1"), registryNames());
    assertEquals(List.of("nvme0", "nvme1"), manager.names().controllerNames());
  }

  @Test
  void disconnectAllWithOwnerRemovesThatOwnersOnly() throws Exception {
    connectMixedOwners();
    ControllerManager.DisconnectAllResult r =
        manager.disconnectAll(DisconnectSelector.of("orch-a", false, null));
    assertEquals(List.of("nvme0"), r.disconnected());
    assertEquals(List.of("nvme1", "nvme2", "nvme3"), fake.open());
    assertEquals(List.of("nvme1", "nvme2", "nvme3"), registryNames());
  }

  @Test
  void disconnectAllWithForceRemovesAll() throws Exception {
    connectMixedOwners();
    ControllerManager.DisconnectAllResult r =
        manager.disconnectAll(DisconnectSelector.of(null, true, null));
    assertEquals(List.of("nvme0", "nvme1", "nvme2", "nvme3"), r.disconnected());
    assertEquals(List.of(), fake.open());
    assertEquals(List.of(), registryNames());
    assertEquals(List.of(), manager.names().controllerNames());
  }

  @Test
  void ownerAndForceTogetherAreRefused() {
    DisconnectRefusedException e = assertThrows(DisconnectRefusedException.class,
        () -> DisconnectSelector.of("orch-a", true, null));
    assertEquals(DisconnectRefusedException.Reason.CONFLICTING_OPTIONS, e.reason());
  }

  @Test
  void unreadableEntryRemovesNothing() throws Exception {
    connectMixedOwners();
    long id = manager.controllers().get(0).registryId();
    Files.writeString(manager.registry().directory().resolve(id + ".entry"), "\u0000garbage");
    for (DisconnectSelector s : List.of(DisconnectSelector.unowned(),
        DisconnectSelector.owner("orch-b"))) {
      DisconnectRefusedException e = assertThrows(DisconnectRefusedException.class,
          () -> manager.disconnectAll(s));
      assertEquals(DisconnectRefusedException.Reason.REGISTRY_UNREADABLE, e.reason());
      assertTrue(e.getMessage().contains("name=nvme0"), e.getMessage());
    }
    assertEquals(List.of("nvme0", "nvme1", "nvme2", "nvme3"), fake.open());
  }

  @Test
  void unreadableDirectoryRemovesNothing() throws Exception {
    connectMixedOwners();
    Path dir = manager.registry().directory();
    Files.move(dir, state.resolve("elsewhere"));
    Files.writeString(dir, "not a directory");
    DisconnectRefusedException e = assertThrows(DisconnectRefusedException.class,
        () -> manager.disconnectAll(DisconnectSelector.unowned()));
    assertEquals(DisconnectRefusedException.Reason.REGISTRY_UNREADABLE, e.reason());
    assertTrue(e.getMessage().contains("registry unreadable"), e.getMessage());
    assertEquals(4, fake.open().size());
    assertEquals(4, manager.controllers().size());
  }

  @Test
  void forceDoesNotNeedTheRegistry() throws Exception {
    connectMixedOwners();
    Path dir = manager.registry().directory();
    Files.move(dir, state.resolve("elsewhere"));
    Files.writeString(dir, "not a directory");
    assertEquals(4, manager.disconnectAll(DisconnectSelector.force()).disconnected().size());
    assertEquals(List.of(), fake.open());
  }

  @Test
  void transportFilterComesFirst() throws Exception {
    manager.connect(ConnectRequest.of("emulated"));
    manager.connect(ConnectRequest.of("qemu"));
    assertEquals(List.of("nvme1"),
        manager.disconnectAll(DisconnectSelector.force().onTransport("qemu")).disconnected());
    assertEquals(List.of("nvme0"), fake.open());
  }

  @Test
  void ownedControllerSurvivesDefaultDisconnectAll() throws Exception {
    // The acceptance script in plain Java:
    // nvme:connect --transport emulated --owner orch-a; nvme:disconnect-all --yes; nvme:list
    manager.connect(new ConnectRequest("emulated", Map.of(), "orch-a"));
    manager.disconnectAll(DisconnectSelector.unowned());
    assertEquals(List.of("nvme0"), manager.names().controllerNames());
    assertEquals(List.of("nvme0n1"), manager.names().diskNames());
  }

  @Test
  void ownerIsOnDiskWhenConnectReturns() throws Exception {
    ManagedController c = manager.connect(ConnectRequest.of("emulated").withOwner("orch-a"));
    RegistryEntry e = OwnershipRegistry.open(state).get(c.registryId()).orElseThrow();
    assertEquals("orch-a", e.owner());
    assertEquals("nvme0", e.name());
    assertEquals("emulated", e.transport());
    assertEquals(c.address(), e.address());
  }

  @Test
  void failedBringUpFreesTheNumber() throws Exception {
    ConnectFailedException e = assertThrows(ConnectFailedException.class,
        () -> manager.connect(new ConnectRequest("emulated", Map.of("fail", "true"), null)));
    assertEquals(ConnectFailedException.Reason.TRANSPORT, e.reason());
    assertEquals(List.of(), registryNames());
    assertEquals("nvme0", manager.connect(ConnectRequest.of("emulated")).name());
  }

  @Test
  void unrecordableOwnerFailsTheConnectAndDisconnects() throws Exception {
    Files.writeString(manager.registry().directory().resolve("next-id"), "garbage");
    ConnectFailedException e = assertThrows(ConnectFailedException.class,
        () -> manager.connect(ConnectRequest.of("emulated").withOwner("orch-a")));
    assertEquals(ConnectFailedException.Reason.REGISTRY, e.reason());
    assertEquals(List.of(), fake.open());
    assertEquals(List.of(), manager.controllers());
    assertEquals(List.of(), manager.names().controllerNames());
    assertTrue(manager.topology().instancesInUse().isEmpty());
  }

  @Test
  void rejectedControllerIsDisconnected() throws Exception {
    Map<String, String> single = Map.of("nqn", "nqn.2019-09.io.jnvme:one");
    manager.connect(new ConnectRequest("emulated", single, null));
    ConnectFailedException e = assertThrows(ConnectFailedException.class,
        () -> manager.connect(new ConnectRequest("emulated", single, null)));
    assertEquals(ConnectFailedException.Reason.REJECTED, e.reason());
    assertEquals(List.of("nvme0"), fake.open());
    assertEquals(List.of("nvme0"), registryNames());
  }

  @Test
  void namesFollowTheLinuxRules() throws Exception {
    Map<String, String> multi = Map.of("nqn", "nqn.2019-09.io.jnvme:shared", "cmic", "2");
    manager.connect(new ConnectRequest("emulated", Map.of("namespaces", "2"), null));
    manager.connect(new ConnectRequest("emulated", multi, null));
    manager.connect(new ConnectRequest("emulated", multi, null));
    assertEquals(List.of("nvme0n1", "nvme0n2", "nvme1n1", "nvme1n2"),
        manager.names().diskNames());
    manager.disconnect("nvme1");
    // nvme1 gave its number to nvme-subsys1, which still has nvme2: the next controller gets 3.
    assertEquals("nvme3", manager.connect(ConnectRequest.of("emulated")).name());
    assertEquals(List.of("nvme-subsys0", "nvme-subsys1", "nvme-subsys3"),
        manager.names().subsystemNames());

    manager.namespaceAdded("nvme3", NamespaceIdentity.of(4));
    manager.namespaceRemoved("nvme3", 1);
    assertEquals(List.of("nvme3n2"), manager.names().disks().stream()
        .filter(d -> d.controllers().contains("nvme3")).map(d -> d.name()).toList());
    assertThrows(UnknownControllerException.class, () -> manager.disconnect("nvme1"));
  }

  @Test
  void restartedJvmAdoptsControllersUnderTheirEntries() throws Exception {
    ManagedController a = manager.connect(ConnectRequest.of("emulated").withOwner("orch-a"));
    ManagedController b = manager.connect(ConnectRequest.of("emulated"));
    FakeConnector.Fake survivorB = fake.all.get(1);

    // A new JVM: a new manager on the same state directory; only b's controller stayed up.
    ControllerManager restarted =
        new ControllerManager(OwnershipRegistry.open(state), fake, NamingPolicy.DEFAULT);
    ManagedController adopted = restarted.adopt("emulated", survivorB, b.registryId());
    assertEquals("nvme0", adopted.name());
    RegistryEntry e = restarted.registry().get(b.registryId()).orElseThrow();
    assertEquals("nvme0", e.name());
    assertEquals(b.created(), e.created());

    // a's entry is stale; a cleanup by its old id removes it and leaves the adopted entry.
    assertTrue(restarted.registry().removeIfIdMatches(a.name(), a.registryId()));
    assertEquals(List.of(b.registryId()),
        restarted.registry().list().stream().map(RegistryEntry::id).toList());
    ConnectFailedException missing = assertThrows(ConnectFailedException.class,
        () -> restarted.adopt("emulated", fake.all.get(0), a.registryId()));
    assertEquals(ConnectFailedException.Reason.REGISTRY, missing.reason());
    assertEquals(List.of("nvme0"), restarted.names().controllerNames());
  }

  @Test
  void disconnectAlwaysDoesWhatItIsTold() throws Exception {
    manager.connect(ConnectRequest.of("emulated").withOwner("boot"));
    assertEquals("boot", manager.disconnect("nvme0").owner());
    assertEquals(List.of(), fake.open());
    assertEquals(List.of(), registryNames());
  }
}
