package io.jnvme.dma.pagepool;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Where a page pool lives and how large it is. The size and the device-address base are part of
 * the pool's identity: reopening a pool file with a different size or base fails, because device
 * addresses the device may still use would move. The maximum number of allocations only matters
 * when the file is created; an existing file keeps its own slot table.
 *
 * @param file the pool file, normally {@code <directory>/jnvme-pool-<name>} (see
 *     {@link #of(Path, String, long, long, int)}); on tmpfs or hugetlbfs
 * @param size the file's size in bytes, a multiple of {@link #PAGE_SIZE}, metadata included
 * @param deviceAddressBase the device address of the file's first byte, a multiple of
 *     {@link #PAGE_SIZE}; a page at file offset {@code o} has device address {@code base + o}
 * @param maxAllocations the number of slots in the slot table of a new file, 1 to
 *     {@value #MAX_ALLOCATIONS_LIMIT}
 * @since 1.0
 */
public record PagePoolConfig(Path file, long size, long deviceAddressBase, int maxAllocations) {
  /** The pool's page size, the NVMe memory page size with CC.MPS = 0. */
  public static final int PAGE_SIZE = 4096;
  /** Where pools live unless configured otherwise: POSIX shared memory, a tmpfs. */
  public static final Path DEFAULT_DIRECTORY = Path.of("/dev/shm");
  /** The pool name unless configured otherwise. */
  public static final String DEFAULT_POOL_NAME = "default";
  /** A pool file's name is this prefix and the pool name. */
  public static final String FILE_PREFIX = "jnvme-pool-";
  /** 64 MiB: queues and PRP list pages of a few controllers with a queue pair per CPU. */
  public static final long DEFAULT_SIZE = 64L << 20;
  /**
   * 256 GiB: high enough never to look like a small offset or a low physical address, and far
   * from the synthetic addresses of {@link io.jnvme.device.DirectMemory}.
   */
  public static final long DEFAULT_DEVICE_ADDRESS_BASE = 0x40_0000_0000L;
  /** Slots in the slot table of a new pool unless configured otherwise. */
  public static final int DEFAULT_MAX_ALLOCATIONS = 256;
  /** The largest slot table: slot indexes are 16-bit in the file. */
  public static final int MAX_ALLOCATIONS_LIMIT = 65_535;
  /** The largest pool, 1 TiB: a sanity limit, not a format limit. */
  public static final long MAX_SIZE = 1L << 40;

  /** System property prefix read by {@link #fromSystemProperties()}. */
  public static final String PROPERTY_PREFIX = "jnvme.pagepool.";

  private static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,63}");

  public PagePoolConfig {
    Objects.requireNonNull(file, "file");
  }

  /** A pool file of the given size at the given base, with the default slot count. */
  public PagePoolConfig(Path file, long size, long deviceAddressBase) {
    this(file, size, deviceAddressBase, DEFAULT_MAX_ALLOCATIONS);
  }

  /**
   * The pool {@code poolName} in {@code directory}: file {@code <directory>/jnvme-pool-<name>}.
   *
   * @throws PoolConfigException if the name is not 1 to 64 characters of
   *     {@code [A-Za-z0-9._-]} starting with a letter, digit or underscore
   */
  public static PagePoolConfig of(Path directory, String poolName, long size,
      long deviceAddressBase, int maxAllocations) throws PoolConfigException {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(poolName, "poolName");
    if (!POOL_NAME.matcher(poolName).matches()) {
      throw new PoolConfigException(directory.resolve(FILE_PREFIX + "?").toString(),
          "poolName=\"" + poolName + "\" must be 1 to 64 characters of [A-Za-z0-9._-] and not"
              + " start with '.' or '-'");
    }
    return new PagePoolConfig(directory.resolve(FILE_PREFIX + poolName), size, deviceAddressBase,
        maxAllocations);
  }

  /** The default pool: {@code /dev/shm/jnvme-pool-default}, 64 MiB at 0x40_0000_0000. */
  public static PagePoolConfig defaults() {
    return new PagePoolConfig(DEFAULT_DIRECTORY.resolve(FILE_PREFIX + DEFAULT_POOL_NAME),
        DEFAULT_SIZE, DEFAULT_DEVICE_ADDRESS_BASE, DEFAULT_MAX_ALLOCATIONS);
  }

  /**
   * The configuration from system properties, defaults where absent: {@code
   * jnvme.pagepool.directory}, {@code .name}, {@code .size} (bytes, or with a {@code k}, {@code
   * m} or {@code g} suffix), {@code .deviceAddressBase} (decimal or {@code 0x} hex, {@code _}
   * allowed) and {@code .maxAllocations}. Used where no OSGi configuration exists (JPMS, plain
   * class path).
   *
   * @throws PoolConfigException if a value cannot be parsed
   */
  public static PagePoolConfig fromSystemProperties() throws PoolConfigException {
    return fromProperties(System.getProperties());
  }

  /**
   * The configuration from {@code properties} under the keys of {@link #fromSystemProperties()}.
   *
   * @throws PoolConfigException if a value cannot be parsed
   */
  public static PagePoolConfig fromProperties(Properties properties) throws PoolConfigException {
    Path directory = Path.of(properties.getProperty(PROPERTY_PREFIX + "directory",
        DEFAULT_DIRECTORY.toString()));
    String name = properties.getProperty(PROPERTY_PREFIX + "name", DEFAULT_POOL_NAME);
    String where = directory.resolve(FILE_PREFIX + name).toString();
    long size = parse(where, properties, "size", DEFAULT_SIZE, true);
    long base = parse(where, properties, "deviceAddressBase", DEFAULT_DEVICE_ADDRESS_BASE, false);
    long slots = parse(where, properties, "maxAllocations", DEFAULT_MAX_ALLOCATIONS, false);
    if (slots < 1 || slots > MAX_ALLOCATIONS_LIMIT) {
      throw new PoolConfigException(where, PROPERTY_PREFIX + "maxAllocations=" + slots
          + " must be in 1.." + MAX_ALLOCATIONS_LIMIT);
    }
    return of(directory, name, size, base, (int) slots);
  }

  private static long parse(String where, Properties properties, String key, long fallback,
      boolean suffixes) throws PoolConfigException {
    String raw = properties.getProperty(PROPERTY_PREFIX + key);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    String v = raw.trim().replace("_", "").toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("0x")) {
        return Long.parseUnsignedLong(v.substring(2), 16);
      }
      int shift = 0;
      if (suffixes && !v.isEmpty()) {
        switch (v.charAt(v.length() - 1)) {
          case 'k' -> shift = 10;
          case 'm' -> shift = 20;
          case 'g' -> shift = 30;
          default -> shift = 0;
        }
        if (shift != 0) {
          v = v.substring(0, v.length() - 1);
        }
      }
      long n = Long.parseLong(v);
      if (shift != 0 && (n < 0 || n > (Long.MAX_VALUE >> shift))) {
        throw new NumberFormatException("out of range");
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new PoolConfigException(where, PROPERTY_PREFIX + key + "=\"" + raw
          + "\" is not a number");
    }
  }
}
