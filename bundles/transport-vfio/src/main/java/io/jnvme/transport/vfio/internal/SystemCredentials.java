package io.jnvme.transport.vfio.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The process's credentials from {@code /proc/self/status} and {@code /proc/self/limits} (plain
 * Java, no native call). {@link #mayReadWrite} asks the kernel through {@code access(2)}
 * ({@link Files#isReadable}, {@link Files#isWritable}), which also honours ACLs and capabilities.
 */
public final class SystemCredentials implements Credentials {
  private final int uid;
  private final Set<Integer> gids;
  private final long capEff;
  private final long memlock;

  private SystemCredentials(int uid, Set<Integer> gids, long capEff, long memlock) {
    this.uid = uid;
    this.gids = Set.copyOf(gids);
    this.capEff = capEff;
    this.memlock = memlock;
  }

  /**
   * Reads the credentials of this process under {@code procRoot}. Fields that cannot be read are
   * taken as unprivileged: uid -1, no capabilities, memlock 0.
   */
  public static SystemCredentials read(Path procRoot) {
    int uid = -1;
    Set<Integer> gids = new LinkedHashSet<>();
    long capEff = 0;
    long memlock = 0;
    try {
      for (String line : Files.readAllLines(procRoot.resolve("self/status"))) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 2) {
          continue;
        }
        switch (f[0]) {
          case "Uid:" -> uid = Integer.parseInt(f.length > 2 ? f[2] : f[1]);
          case "Gid:" -> gids.add(Integer.parseInt(f.length > 2 ? f[2] : f[1]));
          case "Groups:" -> {
            for (int i = 1; i < f.length; i++) {
              gids.add(Integer.parseInt(f[i]));
            }
          }
          case "CapEff:" -> capEff = Long.parseUnsignedLong(f[1], 16);
          default -> { }
        }
      }
    } catch (IOException | RuntimeException e) {
      // Unprivileged defaults: the checks then say what they could not confirm.
    }
    try {
      memlock = parseMemlock(Files.readAllLines(procRoot.resolve("self/limits")));
    } catch (IOException | RuntimeException e) {
      memlock = 0;
    }
    return new SystemCredentials(uid, gids, capEff, memlock);
  }

  /** The soft limit from the "Max locked memory" line of /proc/self/limits. */
  static long parseMemlock(List<String> lines) {
    for (String line : lines) {
      if (line.startsWith("Max locked memory")) {
        String[] f = line.substring("Max locked memory".length()).trim().split("\\s+");
        return f[0].toLowerCase(Locale.ROOT).equals("unlimited") ? UNLIMITED
            : Long.parseLong(f[0]);
      }
    }
    return 0;
  }

  @Override
  public int uid() {
    return uid;
  }

  @Override
  public Set<Integer> gids() {
    return gids;
  }

  @Override
  public boolean hasCapability(int capability) {
    return (capEff & (1L << capability)) != 0;
  }

  @Override
  public long memlockLimit() {
    return memlock;
  }

  @Override
  public boolean mayReadWrite(Path node) {
    return Files.isReadable(node) && Files.isWritable(node);
  }
}
