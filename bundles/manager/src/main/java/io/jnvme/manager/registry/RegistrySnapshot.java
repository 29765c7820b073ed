package io.jnvme.manager.registry;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What one read of the registry found: the entries that could be read, and what could not be.
 *
 * @param directory the registry directory
 * @param entries readable entries, by id
 * @param problems entries that exist but could not be read or parsed
 * @param failure why the directory itself could not be listed, or null; then {@code entries}
 *     and {@code problems} are empty and nothing is known
 * @since 1.0
 */
public record RegistrySnapshot(
    Path directory, List<RegistryEntry> entries, List<Problem> problems, String failure) {

  public RegistrySnapshot {
    entries = List.copyOf(entries);
    problems = List.copyOf(problems);
  }

  /**
   * An entry file that exists but cannot be used.
   *
   * @param id the id its file name carries
   * @param file the file
   * @param reason why it cannot be used
   */
  public record Problem(long id, Path file, String reason) {}

  /** Whether the directory was listed and every entry in it could be read. */
  public boolean readable() {
    return failure == null && problems.isEmpty();
  }

  /** Whether the directory itself could be listed. */
  public boolean listed() {
    return failure == null;
  }

  /** The entry with this id, if it was read. */
  public Optional<RegistryEntry> entry(long id) {
    return entries.stream().filter(e -> e.id() == id).findFirst();
  }

  /** The problem with the entry of this id, if it exists but could not be read. */
  public Optional<Problem> problem(long id) {
    return problems.stream().filter(p -> p.id() == id).findFirst();
  }

  /** The readable entries named {@code name}; names are recycled, so there may be several. */
  public List<RegistryEntry> byName(String name) {
    return entries.stream().filter(e -> e.name().equals(name)).toList();
  }

  /** The error that says what could not be read. */
  public RegistryUnreadableException toException() {
    if (failure != null) {
      return new RegistryUnreadableException("registry directory unreadable: " + failure,
          directory, null);
    }
    if (problems.isEmpty()) {
      throw new IllegalStateException("registry snapshot is readable");
    }
    Problem first = problems.get(0);
    return new RegistryUnreadableException("registry entry unreadable id=" + first.id()
        + " reason=" + first.reason() + " unreadable=" + problems.size(), first.file(), null);
  }
}
