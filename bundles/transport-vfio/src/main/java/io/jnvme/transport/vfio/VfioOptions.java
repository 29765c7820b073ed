package io.jnvme.transport.vfio;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * How to open a VFIO device. Immutable; start from {@link #defaults()} and change what differs,
 * or parse the options of {@code nvme:connect} and of a configuration with {@link #fromMap}.
 *
 * <p>The roots exist so that tests (and containers with sysfs elsewhere) can point the checks at
 * another tree; on a normal system they stay {@code /sys}, {@code /dev} and {@code /proc}.
 *
 * @since 1.0
 */
public final class VfioOptions {
  /** Which IOMMU model to use. */
  public enum IommuMode {
    /** The type1 IOMMU when the group has one, else no-IOMMU mode when the kernel enables it. */
    AUTO,
    /** Only the type1 IOMMU (type1v2 when available). */
    TYPE1,
    /** Only the unsafe no-IOMMU mode: no isolation, DMA to physical addresses. */
    NO_IOMMU
  }

  /** Default of {@link #memlock()}: 64 MiB, the default page pool plus queues. */
  public static final long DEFAULT_MEMLOCK = 64L << 20;

  private static final VfioOptions DEFAULTS = new VfioOptions(IommuMode.AUTO, DEFAULT_MEMLOCK, 0,
      Path.of("/sys"), Path.of("/dev"), Path.of("/proc"));

  /** Option keys {@link #fromMap} understands, besides the address keys. */
  public static final Set<String> KEYS = Set.of("iommu", "memlock", "vectors", "sysfs", "dev",
      "proc");
  /** Keys that carry the PCI address: {@code traddr} (nvme-cli's name) and {@code address}. */
  public static final Set<String> ADDRESS_KEYS = Set.of("traddr", "address");

  private final IommuMode iommu;
  private final long memlock;
  private final int vectors;
  private final Path sysfsRoot;
  private final Path devRoot;
  private final Path procRoot;

  private VfioOptions(IommuMode iommu, long memlock, int vectors, Path sysfsRoot, Path devRoot,
      Path procRoot) {
    this.iommu = Objects.requireNonNull(iommu, "iommu");
    if (memlock < 0) {
      throw new IllegalArgumentException("memlock must be >= 0, got " + memlock);
    }
    if (vectors < 0 || vectors > 2048) {
      throw new IllegalArgumentException("vectors must be in 0..2048 (0: automatic), got "
          + vectors);
    }
    this.memlock = memlock;
    this.vectors = vectors;
    this.sysfsRoot = Objects.requireNonNull(sysfsRoot, "sysfsRoot");
    this.devRoot = Objects.requireNonNull(devRoot, "devRoot");
    this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
  }

  /** Automatic IOMMU choice, 64 MiB of memlock, automatic vector count, the system's roots. */
  public static VfioOptions defaults() {
    return DEFAULTS;
  }

  /** The IOMMU model to use. */
  public IommuMode iommu() {
    return iommu;
  }

  /**
   * The DMA memory, in bytes, that the process must be allowed to pin (RLIMIT_MEMLOCK), checked
   * before opening unless the process has CAP_IPC_LOCK; 0 skips the check.
   */
  public long memlock() {
    return memlock;
  }

  /**
   * MSI-X vectors to enable; 0 for the smaller of the device's MSI-X table size and the number of
   * CPUs plus one (one for the admin queue and one per I/O queue).
   */
  public int vectors() {
    return vectors;
  }

  /** Where sysfs is mounted, {@code /sys}. */
  public Path sysfsRoot() {
    return sysfsRoot;
  }

  /** Where the device nodes are, {@code /dev}. */
  public Path devRoot() {
    return devRoot;
  }

  /** Where procfs is mounted, {@code /proc}. */
  public Path procRoot() {
    return procRoot;
  }

  public VfioOptions withIommu(IommuMode mode) {
    return new VfioOptions(mode, memlock, vectors, sysfsRoot, devRoot, procRoot);
  }

  public VfioOptions withMemlock(long bytes) {
    return new VfioOptions(iommu, bytes, vectors, sysfsRoot, devRoot, procRoot);
  }

  public VfioOptions withVectors(int count) {
    return new VfioOptions(iommu, memlock, count, sysfsRoot, devRoot, procRoot);
  }

  /** The same options over other sysfs, /dev and /proc trees. */
  public VfioOptions withRoots(Path sysfs, Path dev, Path proc) {
    return new VfioOptions(iommu, memlock, vectors, sysfs, dev, proc);
  }

  /**
   * Parses options given as strings: {@code iommu=auto|type1|noiommu}, {@code memlock=64M} (bytes,
   * or with a K, M, G suffix; 0 skips the check), {@code vectors=N}, {@code sysfs=}, {@code dev=},
   * {@code proc=} (paths). The address keys {@code traddr} and {@code address} are allowed and
   * ignored here. Missing keys keep their defaults.
   *
   * @throws IllegalArgumentException naming the key, for an unknown key or a bad value
   */
  public static VfioOptions fromMap(Map<String, String> options) {
    Set<String> unknown = new TreeSet<>(options.keySet());
    unknown.removeAll(KEYS);
    unknown.removeAll(ADDRESS_KEYS);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("vfio: unknown option" + (unknown.size() > 1 ? "s " : " ")
          + String.join(", ", unknown) + "; known: traddr (or address), " + String.join(", ",
              new TreeSet<>(KEYS)));
    }
    VfioOptions o = defaults();
    String v = options.get("iommu");
    if (v != null) {
      o = o.withIommu(switch (v.trim().toLowerCase(Locale.ROOT)) {
        case "auto" -> IommuMode.AUTO;
        case "type1" -> IommuMode.TYPE1;
        case "noiommu", "no-iommu" -> IommuMode.NO_IOMMU;
        default -> throw new IllegalArgumentException(
            "vfio: iommu=" + v + ": expected auto, type1 or noiommu");
      });
    }
    v = options.get("memlock");
    if (v != null) {
      o = o.withMemlock(parseSize("memlock", v));
    }
    v = options.get("vectors");
    if (v != null) {
      try {
        o = o.withVectors(Integer.parseInt(v.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("vfio: vectors=" + v + ": not a number", e);
      }
    }
    Path sysfs = path(options, "sysfs", o.sysfsRoot);
    Path dev = path(options, "dev", o.devRoot);
    Path proc = path(options, "proc", o.procRoot);
    return o.withRoots(sysfs, dev, proc);
  }

  private static Path path(Map<String, String> options, String key, Path fallback) {
    String v = options.get(key);
    if (v == null) {
      return fallback;
    }
    if (v.isBlank()) {
      throw new IllegalArgumentException("vfio: " + key + "= must name a directory");
    }
    return Path.of(v.trim());
  }

  /** Bytes from {@code 4096}, {@code 64K}, {@code 64M}, {@code 1G}. */
  static long parseSize(String key, String value) {
    String s = value.trim().toUpperCase(Locale.ROOT);
    int shift = 0;
    if (s.endsWith("K") || s.endsWith("M") || s.endsWith("G")) {
      shift = switch (s.charAt(s.length() - 1)) {
        case 'K' -> 10;
        case 'M' -> 20;
        default -> 30;
      };
      s = s.substring(0, s.length() - 1);
    }
    try {
      long n = Long.parseLong(s);
      if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException("out of range");
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("vfio: " + key + "=" + value
          + ": expected bytes, or a number with K, M or G", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VfioOptions v && v.iommu == iommu && v.memlock == memlock
        && v.vectors == vectors && v.sysfsRoot.equals(sysfsRoot) && v.devRoot.equals(devRoot)
        && v.procRoot.equals(procRoot);
  }

  @Override
  public int hashCode() {
    return Objects.hash(iommu, memlock, vectors, sysfsRoot, devRoot, procRoot);
  }

  @Override
  public String toString() {
    return "VfioOptions[iommu=" + iommu + " memlock=" + memlock + " vectors=" + vectors
        + " sysfs=" + sysfsRoot + " dev=" + devRoot + " proc=" + procRoot + "]";
  }
}
