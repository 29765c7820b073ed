package io.jnvme.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jnvme.manager.DisconnectAllPolicy.Candidate;
import io.jnvme.manager.registry.RegistryEntry;
import io.jnvme.manager.registry.RegistrySnapshot;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DisconnectAllPolicyTest {
  private static final Path DIR = Path.of("/state/registry");
  private static final Instant T = Instant.EPOCH;
  private static final Candidate A = new Candidate("nvme0", 1, "emulated");
  private static final Candidate B = new Candidate("nvme1", 2, "emulated");
  private static final Candidate U = new Candidate("nvme2", 3, "emulated");
  private static final Candidate Q = new Candidate("nvme3", 4, "qemu");
  private static final List<Candidate> ALL = List.of(A, B, U, Q);
  private static final RegistrySnapshot REGISTRY = new RegistrySnapshot(DIR, List.of(
      new RegistryEntry(1, "nvme0", "orch-a", "emulated", "a", T),
      new RegistryEntry(2, "nvme1", "orch-b", "emulated", "b", T),
      new RegistryEntry(3, "nvme2", null, "emulated", "c", T)), List.of(), null);

  @Test
  void matrix() throws Exception {
    // No entry at all (id 4) counts as unowned, as in libnvme.
    assertEquals(List.of(U, Q),
        DisconnectAllPolicy.select(DisconnectSelector.unowned(), ALL, REGISTRY));
    assertEquals(List.of(A),
        DisconnectAllPolicy.select(DisconnectSelector.owner("orch-a"), ALL, REGISTRY));
    assertEquals(List.of(B),
        DisconnectAllPolicy.select(DisconnectSelector.owner("orch-b"), ALL, REGISTRY));
    assertEquals(List.of(),
        DisconnectAllPolicy.select(DisconnectSelector.owner("orch-c"), ALL, REGISTRY));
    assertEquals(ALL, DisconnectAllPolicy.select(DisconnectSelector.force(), ALL, REGISTRY));
    assertEquals(List.of(U), DisconnectAllPolicy.select(
        DisconnectSelector.unowned().onTransport("emulated"), ALL, REGISTRY));
    assertEquals(List.of(Q), DisconnectAllPolicy.select(
        DisconnectSelector.force().onTransport("qemu"), ALL, null));
  }

  @Test
  void unreadableRegistryRefusesUnlessForced() throws Exception {
    RegistrySnapshot failed = new RegistrySnapshot(DIR, List.of(), List.of(), "EACCES");
    for (DisconnectSelector s : List.of(DisconnectSelector.unowned(),
        DisconnectSelector.owner("orch-a"))) {
      assertEquals(DisconnectRefusedException.Reason.REGISTRY_UNREADABLE, assertThrows(
          DisconnectRefusedException.class, () -> DisconnectAllPolicy.select(s, ALL, failed))
          .reason());
      assertThrows(DisconnectRefusedException.class,
          () -> DisconnectAllPolicy.select(s, ALL, null));
    }
    assertEquals(ALL, DisconnectAllPolicy.select(DisconnectSelector.force(), ALL, failed));
  }

  @Test
  void unreadableEntryOfAConsideredControllerRefuses() throws Exception {
    RegistrySnapshot partly = new RegistrySnapshot(DIR, REGISTRY.entries().subList(0, 2),
        List.of(new RegistrySnapshot.Problem(3, DIR.resolve("3.entry"), "garbage")), null);
    assertThrows(DisconnectRefusedException.class,
        () -> DisconnectAllPolicy.select(DisconnectSelector.unowned(), ALL, partly));
    // Even though orch-a's entries are readable: nothing is removed while any owner is unknown.
    assertThrows(DisconnectRefusedException.class,
        () -> DisconnectAllPolicy.select(DisconnectSelector.owner("orch-a"), ALL, partly));
    // A problem with an entry of no controller considered here does not block.
    assertEquals(List.of(Q), DisconnectAllPolicy.select(
        DisconnectSelector.unowned().onTransport("qemu"), ALL, partly));
  }
}
