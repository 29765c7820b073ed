package io.jnvme.manager.registry;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One controller in the ownership registry.
 *
 * @param id never reused, even after the entry is deleted or the JVM restarts; the key of the
 *     entry, because the name is recycled
 * @param name the controller's instance name when it was connected, e.g. {@code nvme1}
 * @param owner who connected it and may disconnect it in bulk, or null for unowned
 * @param transport the transport, e.g. {@code emulated}
 * @param address the controller's address on its transport
 * @param created when the controller was connected
 * @since 1.0
 */
public record RegistryEntry(
    long id, String name, String owner, String transport, String address, Instant created) {

  public RegistryEntry {
    if (id <= 0) {
      throw new IllegalArgumentException("id=" + id + " must be positive");
    }
    requireText(name, "name");
    requireText(transport, "transport");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(created, "created");
    if (owner != null) {
      requireText(owner, "owner");
    }
  }

  /** The owner, empty for an unowned controller. */
  public Optional<String> ownerName() {
    return Optional.ofNullable(owner);
  }

  /** This entry with another owner; null makes it unowned. */
  public RegistryEntry withOwner(String newOwner) {
    return new RegistryEntry(id, name, newOwner, transport, address, created);
  }

  /** This entry with another name, for a controller adopted under a new name after a restart. */
  public RegistryEntry withName(String newName) {
    return new RegistryEntry(id, newName, owner, transport, address, created);
  }

  static String requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    return value;
  }
}
