package io.jnvme.manager;

import io.jnvme.manager.registry.RegistryEntry;
import io.jnvme.manager.registry.RegistrySnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Decides which controllers a bulk disconnect removes; a pure function of the selector, the
 * connected controllers and what the registry says.
 *
 * <ul>
 *   <li>The transport filter comes first.
 *   <li>{@link DisconnectSelector.Mode#FORCE}: every remaining controller; owners do not matter,
 *       so the registry need not be readable.
 *   <li>Otherwise the owner decides: no owner (no entry, or an entry without one) for
 *       {@link DisconnectSelector.Mode#UNOWNED}, exactly the named owner for
 *       {@link DisconnectSelector.Mode#OWNER}.
 *   <li>If the registry directory, or the entry of any controller being considered, cannot be
 *       read, nothing is removed: an unknown owner never counts as no owner.
 * </ul>
 *
 * @since 1.0
 */
public final class DisconnectAllPolicy {
  private DisconnectAllPolicy() {}

  /**
   * A connected controller that a bulk disconnect may consider.
   *
   * @param name its instance name
   * @param registryId the id of its registry entry
   * @param transport its transport
   */
  public record Candidate(String name, long registryId, String transport) {}

  /**
   * The controllers to disconnect, in the order given.
   *
   * @param registry what the registry says; may be null for {@link DisconnectSelector.Mode#FORCE}
   * @throws DisconnectRefusedException REGISTRY_UNREADABLE; then nothing may be disconnected
   */
  public static List<Candidate> select(DisconnectSelector selector,
      Collection<Candidate> connected, RegistrySnapshot registry)
      throws DisconnectRefusedException {
    List<Candidate> considered = new ArrayList<>();
    for (Candidate c : connected) {
      if (selector.transport() == null || selector.transport().equals(c.transport())) {
        considered.add(c);
      }
    }
    if (selector.mode() == DisconnectSelector.Mode.FORCE) {
      return List.copyOf(considered);
    }
    if (registry == null || !registry.listed()) {
      throw new DisconnectRefusedException("registry unreadable, owners unknown: "
          + (registry == null ? "not read" : registry.failure()),
          DisconnectRefusedException.Reason.REGISTRY_UNREADABLE,
          registry == null ? null : registry.toException());
    }
    for (Candidate c : considered) {
      Optional<RegistrySnapshot.Problem> p = registry.problem(c.registryId());
      if (p.isPresent()) {
        throw new DisconnectRefusedException("registry entry unreadable, owner unknown name="
            + c.name() + " id=" + c.registryId() + " file=" + p.get().file() + " reason="
            + p.get().reason(), DisconnectRefusedException.Reason.REGISTRY_UNREADABLE, null);
      }
    }
    List<Candidate> out = new ArrayList<>();
    for (Candidate c : considered) {
      String owner = registry.entry(c.registryId()).map(RegistryEntry::owner).orElse(null);
      boolean match = selector.mode() == DisconnectSelector.Mode.UNOWNED
          ? owner == null
          : selector.owner().equals(owner);
      if (match) {
        out.add(c);
      }
    }
    return List.copyOf(out);
  }
}
