package io.jnvme.manager.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who owns which controller, in files under a state directory, so that bulk disconnects leave
 * other owners' controllers alone.
 *
 * <p>Layout of {@code <state>/registry/}:
 *
 * <ul>
 *   <li>{@code <id>.entry}: one controller, in the text form of {@link RegistryEntry};
 *   <li>{@code next-id}: the next id to hand out; it only grows, so an id is never reused, not
 *       even after a restart;
 *   <li>{@code .lock}: locked by every change, so that processes sharing the directory take
 *       turns;
 *   <li>{@code .tmp.*}: an entry being written; readers ignore it.
 * </ul>
 *
 * <p>Entries are keyed by id rather than by the recycled controller name: removing a stale
 * entry names the id it expects, so it can never remove the entry of a newer controller that was
 * given the same name. Every write goes to a temporary file that is flushed to disk and renamed
 * over the target, so a reader sees the old entry or the new one, never a mix. Reads take no
 * lock.
 *
 * <p>Thread-safe; several instances, in one JVM or in several processes, may share a directory.
 *
 * @since 1.0
 */
public final class OwnershipRegistry {
  /** The directory under the state directory that holds the registry. */
  public static final String DIRECTORY = "registry";

  private static final Logger LOG = LoggerFactory.getLogger(OwnershipRegistry.class);
  private static final Pattern ENTRY = Pattern.compile("([0-9]{1,18})\\.entry");
  private static final String COUNTER = "next-id";
  private static final String LOCK = ".lock";
  private static final String TMP_PREFIX = ".tmp.";
  // An entry is a few hundred bytes; anything much larger is not one of ours.
  private static final int MAX_FILE_BYTES = 64 * 1024;
  // FileLock belongs to the whole JVM, and a second lock attempt on the same file from this JVM
  // fails instead of waiting; every instance on one directory therefore queues here first.
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS =
      new ConcurrentHashMap<>();

  private final Path dir;
  private final Clock clock;
  private final ReentrantLock jvmLock;
  private boolean tempsCleaned;

  private OwnershipRegistry(Path dir, Clock clock, ReentrantLock jvmLock) {
    this.dir = dir;
    this.clock = clock;
    this.jvmLock = jvmLock;
  }

  /**
   * Opens the registry under {@code stateDirectory}, creating its directory if needed.
   *
   * @throws RegistryWriteException if the directory cannot be created
   * @throws RegistryUnreadableException if it exists but is not a usable directory
   */
  public static OwnershipRegistry open(Path stateDirectory) throws RegistryException {
    return open(stateDirectory, Clock.systemUTC());
  }

  /** Opens the registry with a clock for creation times. */
  public static OwnershipRegistry open(Path stateDirectory, Clock clock)
      throws RegistryException {
    Path dir = stateDirectory.resolve(DIRECTORY);
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new RegistryUnreadableException("registry is not a directory", dir, null);
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new RegistryWriteException("cannot create registry directory dir=" + dir, e);
    }
    Path real;
    try {
      real = dir.toRealPath();
    } catch (IOException e) {
      throw new RegistryUnreadableException("registry directory unusable", dir, e);
    }
    return new OwnershipRegistry(real, Objects.requireNonNull(clock, "clock"),
        JVM_LOCKS.computeIfAbsent(real, p -> new ReentrantLock()));
  }

  /** The registry directory. */
  public Path directory() {
    return dir;
  }

  /**
   * Records a newly connected controller under a fresh id. Returns once the entry is on disk.
   *
   * @param owner who owns it, or null for unowned
   * @throws RegistryUnreadableException if the id counter cannot be trusted; no id is handed out,
   *     because a guessed one might repeat an old id
   * @throws RegistryWriteException if the entry cannot be written
   */
  public RegistryEntry create(String name, String owner, String transport, String address)
      throws RegistryException {
    // Validates the fields before an id is spent on them.
    new RegistryEntry(1, name, owner, transport, address, clock.instant());
    RegistryEntry e = locked("create", () -> {
      long id = takeId();
      RegistryEntry entry = new RegistryEntry(id, name, owner, transport, address,
          clock.instant());
      writeAtomically(entryFile(id), EntryFormat.encode(entry));
      return entry;
    });
    LOG.info("registry entry created id={} name={} owner={} transport={} address={}", e.id(),
        e.name(), e.owner(), e.transport(), e.address());
    return e;
  }

  /**
   * Reads every entry without taking the lock. Never throws: what cannot be read is reported in
   * the snapshot, for the caller to refuse to act on.
   */
  public RegistrySnapshot snapshot() {
    List<RegistryEntry> entries = new ArrayList<>();
    List<RegistrySnapshot.Problem> problems = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        Matcher m = ENTRY.matcher(f.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        long id = Long.parseLong(m.group(1));
        try {
          read(id).ifPresent(entries::add);
        } catch (RegistryUnreadableException e) {
          problems.add(new RegistrySnapshot.Problem(id, f, e.getMessage()));
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("registry directory unreadable dir={} error={}", dir, e.toString());
      return new RegistrySnapshot(dir, List.of(), List.of(), e.toString());
    }
    entries.sort(Comparator.comparingLong(RegistryEntry::id));
    problems.sort(Comparator.comparingLong(RegistrySnapshot.Problem::id));
    if (!problems.isEmpty()) {
      LOG.warn("registry entries unreadable dir={} ids={}", dir,
          problems.stream().map(RegistrySnapshot.Problem::id).toList());
    }
    return new RegistrySnapshot(dir, entries, problems, null);
  }

  /**
   * Every entry, by id.
   *
   * @throws RegistryUnreadableException if the directory or any entry cannot be read
   */
  public List<RegistryEntry> list() throws RegistryUnreadableException {
    RegistrySnapshot s = snapshot();
    if (!s.readable()) {
      throw s.toException();
    }
    return s.entries();
  }

  /**
   * The entry with this id, or empty if there is none.
   *
   * @throws RegistryUnreadableException if it exists but cannot be read
   */
  public Optional<RegistryEntry> get(long id) throws RegistryUnreadableException {
    return read(id);
  }

  /**
   * Changes the owner of an entry; null makes the controller unowned.
   *
   * @throws EntryNotFoundException if there is no such entry
   * @throws RegistryUnreadableException if it cannot be read
   */
  public RegistryEntry setOwner(long id, String owner) throws RegistryException {
    RegistryEntry e = update(id, x -> x.withOwner(owner));
    LOG.info("registry owner set id={} name={} owner={}", id, e.name(), owner);
    return e;
  }

  /**
   * Changes the name of an entry, for a controller that is adopted under a new name, e.g. after
   * a restart.
   *
   * @throws EntryNotFoundException if there is no such entry
   * @throws RegistryUnreadableException if it cannot be read
   */
  public RegistryEntry rename(long id, String name) throws RegistryException {
    RegistryEntry e = update(id, x -> x.withName(name));
    LOG.info("registry entry renamed id={} name={}", id, name);
    return e;
  }

  /**
   * Deletes the entry with this id, readable or not (an administrator may remove a corrupt
   * entry this way).
   *
   * @return false if there was no such entry
   * @throws RegistryWriteException if it cannot be deleted
   */
  public boolean delete(long id) throws RegistryException {
    boolean deleted = locked("delete", () -> {
      boolean d = Files.deleteIfExists(entryFile(id));
      if (d) {
        syncDirectory();
      }
      return d;
    });
    LOG.info("registry entry deleted id={} existed={}", id, deleted);
    return deleted;
  }

  /**
   * Removes a stale entry only if it is still the one the caller means: the entry with id
   * {@code id}, recorded under {@code name}. An entry that a newer controller wrote under the
   * same name has another id and is left alone.
   *
   * @return true if the entry was removed; false if there is no entry with this id or it
   *     carries another name
   * @throws RegistryUnreadableException if the entry cannot be read; it is then left alone
   * @throws RegistryWriteException if it cannot be deleted
   */
  public boolean removeIfIdMatches(String name, long id) throws RegistryException {
    Boolean removed = locked("remove", () -> {
      Optional<RegistryEntry> e = read(id);
      if (e.isEmpty() || !e.get().name().equals(name)) {
        return false;
      }
      Files.delete(entryFile(id));
      syncDirectory();
      return true;
    });
    if (removed) {
      LOG.info("registry stale entry removed id={} name={}", id, name);
    } else {
      LOG.info("registry stale entry already gone id={} name={}", id, name);
    }
    return removed;
  }

  @Override
  public String toString() {
    return "OwnershipRegistry[" + dir + "]";
  }

  // ---- internals ----

  private RegistryEntry update(long id, UnaryOperator<RegistryEntry> change)
      throws RegistryException {
    return locked("update", () -> {
      RegistryEntry e = read(id).orElseThrow(() -> new EntryNotFoundException(id));
      RegistryEntry changed = change.apply(e);
      writeAtomically(entryFile(id), EntryFormat.encode(changed));
      return changed;
    });
  }

  private Optional<RegistryEntry> read(long id) throws RegistryUnreadableException {
    Path f = entryFile(id);
    String text;
    try {
      text = readText(f);
    } catch (NoSuchFileException e) {
      // Deleted between listing and reading, or never there: not an entry, not an error.
      return Optional.empty();
    } catch (IOException e) {
      throw new RegistryUnreadableException("cannot read registry entry: " + e, f, e);
    }
    try {
      return Optional.of(EntryFormat.decode(id, text));
    } catch (IllegalArgumentException e) {
      throw new RegistryUnreadableException("corrupt registry entry: " + e.getMessage(), f, e);
    }
  }

  private static String readText(Path f) throws IOException {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > MAX_FILE_BYTES) {
        throw new IOException("file too large size=" + size);
      }
      ByteBuffer b = ByteBuffer.allocate((int) size);
      while (b.hasRemaining() && ch.read(b) >= 0) {
        // read until full or end of file
      }
      b.flip();
      try {
        CharBuffer c = UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(b);
        return c.toString();
      } catch (CharacterCodingException e) {
        throw new IOException("not UTF-8", e);
      }
    }
  }

  /** Hands out the next id; runs under the lock. */
  private long takeId() throws IOException, RegistryUnreadableException {
    Path counter = dir.resolve(COUNTER);
    long highest = highestEntryId();
    long next;
    try {
      String text = readText(counter).trim();
      try {
        next = Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new RegistryUnreadableException("id counter is not a number: " + text, counter, e);
      }
    } catch (NoSuchFileException e) {
      if (highest > 0) {
        throw new RegistryUnreadableException("id counter missing while entries exist (write "
            + "a number above every id ever used to it) highest=" + highest, counter, e);
      }
      next = 1;
    }
    if (next <= highest || next <= 0) {
      throw new RegistryUnreadableException("id counter next=" + next
          + " is not above the highest entry id=" + highest, counter, null);
    }
    // The counter is durable before the id is used: a crash in between wastes an id, never
    // hands it out twice.
    writeAtomically(counter, (next + 1) + "\n");
    return next;
  }

  private long highestEntryId() throws IOException {
    long max = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        Matcher m = ENTRY.matcher(f.getFileName().toString());
        if (m.matches()) {
          max = Math.max(max, Long.parseLong(m.group(1)));
        }
      }
    }
    return max;
  }

  private void writeAtomically(Path target, String content) throws IOException {
    Path tmp = dir.resolve(TMP_PREFIX + target.getFileName() + "." + UUID.randomUUID());
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        ByteBuffer b = UTF_8.encode(content);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    syncDirectory();
  }

  /** Makes a rename or delete durable. */
  private void syncDirectory() {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms cannot open a directory; the rename is still atomic, only its
      // durability across a power loss is weaker.
      LOG.debug("directory sync unsupported dir={} error={}", dir, e.toString());
    }
  }

  /** Removes temporary files left by a writer that died; only safe under the lock. */
  private void cleanTemps() throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, TMP_PREFIX + "*")) {
      for (Path f : files) {
        Files.deleteIfExists(f);
        LOG.info("registry removed leftover temporary file file={}", f.getFileName());
      }
    }
  }

  private Path entryFile(long id) {
    if (id <= 0) {
      throw new IllegalArgumentException("id=" + id + " must be positive");
    }
    return dir.resolve(id + ".entry");
  }

  private interface Body<T> {
    T run() throws IOException, RegistryException;
  }

  /** Runs {@code body} holding this JVM's lock for the directory, then the file lock. */
  private <T> T locked(String op, Body<T> body) throws RegistryException {
    jvmLock.lock();
    try (FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        FileLock ignored = ch.lock()) {
      if (!tempsCleaned) {
        cleanTemps();
        tempsCleaned = true;
      }
      return body.run();
    } catch (IOException e) {
      throw new RegistryWriteException("registry " + op + " failed dir=" + dir + ": " + e, e);
    } finally {
      jvmLock.unlock();
    }
  }
}
