package io.jnvme.transport.qemu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * How to start one QEMU instance with an NVMe controller.
 *
 * @param name instance name (letters, digits, {@code . _ -}, at most 40): names the RAM file, the
 *     device id ({@code qemu:<name>/0000:00:04.0}) and the default run directory
 * @param binary the QEMU executable, a path or a name looked up on {@code PATH}
 * @param ramSize guest RAM in bytes, a multiple of 1 MiB from 16 MiB to 1 GiB; it is also the
 *     size of the page pool that holds every DMA buffer
 * @param runDirectory where the sockets, the descriptor ({@code machine.properties}), the log and
 *     temporary images go
 * @param ramDirectory where the guest RAM file goes: a tmpfs ({@code /dev/shm})
 * @param namespaces the namespaces, in NSID order
 * @param subsystem put the controller in an {@code nvme-subsys} with a second, management
 *     controller that the transport drives itself, for namespace attach and detach (QEMU 7.2 has
 *     no namespace hot-plug through QMP)
 * @param ioQueuePairs I/O queue pairs the controller grants ({@code max_ioqpairs}); it has one
 *     interrupt vector more ({@code msix_qsize})
 * @param mdts Identify Controller MDTS (transfers up to 2^mdts pages of 4 KiB, 0 = no limit), or
 *     -1 for QEMU's default (7)
 * @param startTimeout how long QEMU may take to open its qtest socket
 * @param responseTimeout how long any qtest request may take to be answered
 * @param extraArguments appended to QEMU's command line as they are
 * @since 1.0
 */
public record QemuConfig(
    String name,
    String binary,
    long ramSize,
    Path runDirectory,
    Path ramDirectory,
    List<QemuNamespace> namespaces,
    boolean subsystem,
    int ioQueuePairs,
    int mdts,
    Duration startTimeout,
    Duration responseTimeout,
    List<String> extraArguments) {
  /** The QEMU executable unless configured otherwise. */
  public static final String DEFAULT_BINARY = "qemu-system-x86_64";
  /** 256 MiB of guest RAM: queues and buffers of a few controllers with room to spare. */
  public static final long DEFAULT_RAM_SIZE = 256L << 20;
  public static final long MIN_RAM_SIZE = 16L << 20;
  /** q35 keeps guest RAM linear (guest-physical address = file offset) below 2.75 GiB. */
  public static final long MAX_RAM_SIZE = 1L << 30;
  /** System property prefix read by {@link #fromProperties}. */
  public static final String PROPERTY_PREFIX = "jnvme.qemu.";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,39}");

  public QemuConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(binary, "binary");
    Objects.requireNonNull(runDirectory, "runDirectory");
    Objects.requireNonNull(ramDirectory, "ramDirectory");
    Objects.requireNonNull(startTimeout, "startTimeout");
    Objects.requireNonNull(responseTimeout, "responseTimeout");
    namespaces = List.copyOf(namespaces);
    extraArguments = List.copyOf(extraArguments);
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name=\"" + name + "\": 1 to 40 of [A-Za-z0-9._-],"
          + " not starting with '.' or '-'");
    }
    if (ramSize < MIN_RAM_SIZE || ramSize > MAX_RAM_SIZE || ramSize % (1L << 20) != 0) {
      throw new IllegalArgumentException("ramSize=" + ramSize + ": a multiple of 1 MiB from "
          + (MIN_RAM_SIZE >> 20) + " MiB to " + (MAX_RAM_SIZE >> 20) + " MiB");
    }
    if (ioQueuePairs < 1 || ioQueuePairs > 64) {
      throw new IllegalArgumentException("ioQueuePairs=" + ioQueuePairs + ": must be 1..64");
    }
    if (mdts < -1 || mdts > 12) {
      throw new IllegalArgumentException("mdts=" + mdts + ": -1 (QEMU's default) or 0..12");
    }
    List<Integer> seen = new ArrayList<>();
    for (QemuNamespace ns : namespaces) {
      if (seen.contains(ns.nsid())) {
        throw new IllegalArgumentException("nsid=" + ns.nsid() + " configured twice");
      }
      seen.add(ns.nsid());
      if (ns.detached() && !subsystem) {
        throw new IllegalArgumentException("nsid=" + ns.nsid() + " is detached, which needs the"
            + " subsystem (QEMU's nvme-ns detached=true)");
      }
    }
  }

  /**
   * Defaults for instance {@code name}: 256 MiB RAM, run directory
   * {@code <java.io.tmpdir>/jnvme-qemu/<name>}, one 256 MiB temporary namespace with 512-byte
   * blocks, a subsystem, 4 I/O queue pairs, QEMU's MDTS.
   */
  public static QemuConfig defaults(String name) {
    return new QemuConfig(name, DEFAULT_BINARY, DEFAULT_RAM_SIZE,
        Path.of(System.getProperty("java.io.tmpdir"), "jnvme-qemu", name), Path.of("/dev/shm"),
        List.of(QemuNamespace.temporary(1, 256L << 20, 512)), true, 4, -1,
        Duration.ofSeconds(15), Duration.ofSeconds(10), List.of());
  }

  public QemuConfig withBinary(String v) {
    return new QemuConfig(name, v, ramSize, runDirectory, ramDirectory, namespaces, subsystem,
        ioQueuePairs, mdts, startTimeout, responseTimeout, extraArguments);
  }

  public QemuConfig withRamSize(long v) {
    return new QemuConfig(name, binary, v, runDirectory, ramDirectory, namespaces, subsystem,
        ioQueuePairs, mdts, startTimeout, responseTimeout, extraArguments);
  }

  public QemuConfig withRunDirectory(Path v) {
    return new QemuConfig(name, binary, ramSize, v, ramDirectory, namespaces, subsystem,
        ioQueuePairs, mdts, startTimeout, responseTimeout, extraArguments);
  }

  public QemuConfig withRamDirectory(Path v) {
    return new QemuConfig(name, binary, ramSize, runDirectory, v, namespaces, subsystem,
        ioQueuePairs, mdts, startTimeout, responseTimeout, extraArguments);
  }

  public QemuConfig withNamespaces(List<QemuNamespace> v) {
    return new QemuConfig(name, binary, ramSize, runDirectory, ramDirectory, v, subsystem,
        ioQueuePairs, mdts, startTimeout, responseTimeout, extraArguments);
  }

  public QemuConfig withSubsystem(boolean v) {
    return new QemuConfig(name, binary, ramSize, runDirectory, ramDirectory, namespaces, v,
        ioQueuePairs, mdts, startTimeout, responseTimeout, extraArguments);
  }

  public QemuConfig withIoQueuePairs(int v) {
    return new QemuConfig(name, binary, ramSize, runDirectory, ramDirectory, namespaces,
        subsystem, v, mdts, startTimeout, responseTimeout, extraArguments);
  }

  public QemuConfig withMdts(int v) {
    return new QemuConfig(name, binary, ramSize, runDirectory, ramDirectory, namespaces,
        subsystem, ioQueuePairs, v, startTimeout, responseTimeout, extraArguments);
  }

  public QemuConfig withStartTimeout(Duration v) {
    return new QemuConfig(name, binary, ramSize, runDirectory, ramDirectory, namespaces,
        subsystem, ioQueuePairs, mdts, v, responseTimeout, extraArguments);
  }

  public QemuConfig withResponseTimeout(Duration v) {
    return new QemuConfig(name, binary, ramSize, runDirectory, ramDirectory, namespaces,
        subsystem, ioQueuePairs, mdts, startTimeout, v, extraArguments);
  }

  public QemuConfig withExtraArguments(List<String> v) {
    return new QemuConfig(name, binary, ramSize, runDirectory, ramDirectory, namespaces,
        subsystem, ioQueuePairs, mdts, startTimeout, responseTimeout, v);
  }

  /** The guest RAM file: {@code <ramDirectory>/jnvme-pool-qemu-<name>}. */
  public Path ramFile() {
    return ramDirectory.resolve("jnvme-pool-qemu-" + name);
  }

  /**
   * A configuration from {@code properties} under {@value #PROPERTY_PREFIX}: {@code name}
   * (default {@code qemu0}), {@code binary}, {@code ramSize} ({@code 256M}), {@code runDirectory},
   * {@code ramDirectory}, {@code namespaces} (see {@link #parseNamespaces}), {@code subsystem}
   * ({@code true}), {@code ioQueuePairs} ({@code 4}), {@code mdts} ({@code -1}).
   *
   * @throws IllegalArgumentException if a value cannot be parsed; the message names the key
   */
  public static QemuConfig fromProperties(Properties p) {
    String name = p.getProperty(PROPERTY_PREFIX + "name", "qemu0").trim();
    QemuConfig c = defaults(name);
    String v = p.getProperty(PROPERTY_PREFIX + "binary");
    if (v != null && !v.isBlank()) {
      c = c.withBinary(v.trim());
    }
    v = p.getProperty(PROPERTY_PREFIX + "ramSize");
    if (v != null && !v.isBlank()) {
      c = c.withRamSize(parseSize(PROPERTY_PREFIX + "ramSize", v));
    }
    v = p.getProperty(PROPERTY_PREFIX + "runDirectory");
    if (v != null && !v.isBlank()) {
      c = c.withRunDirectory(Path.of(v.trim()));
    }
    v = p.getProperty(PROPERTY_PREFIX + "ramDirectory");
    if (v != null && !v.isBlank()) {
      c = c.withRamDirectory(Path.of(v.trim()));
    }
    v = p.getProperty(PROPERTY_PREFIX + "namespaces");
    if (v != null && !v.isBlank()) {
      c = c.withNamespaces(parseNamespaces(v));
    }
    v = p.getProperty(PROPERTY_PREFIX + "subsystem");
    if (v != null && !v.isBlank()) {
      c = c.withSubsystem(Boolean.parseBoolean(v.trim()));
    }
    v = p.getProperty(PROPERTY_PREFIX + "ioQueuePairs");
    if (v != null && !v.isBlank()) {
      c = c.withIoQueuePairs(parseInt(PROPERTY_PREFIX + "ioQueuePairs", v));
    }
    v = p.getProperty(PROPERTY_PREFIX + "mdts");
    if (v != null && !v.isBlank()) {
      c = c.withMdts(parseInt(PROPERTY_PREFIX + "mdts", v));
    }
    return c;
  }

  /**
   * Parses a namespace list: comma-separated entries, each {@code nsid:SIZE[:LBA]} (a temporary
   * image), {@code nsid:file=PATH:SIZE[:LBA]} (an image file) or {@code nsid:null:SIZE[:LBA]}
   * (null-co), optionally followed by {@code :detached}. SIZE takes K, M, G suffixes; LBA defaults
   * to 512. Example: {@code 1:256M,2:file=/var/tmp/ns2.img:1G:4096,3:64M:detached}.
   *
   * @throws IllegalArgumentException if an entry cannot be parsed
   */
  public static List<QemuNamespace> parseNamespaces(String spec) {
    List<QemuNamespace> out = new ArrayList<>();
    for (String raw : spec.split(",")) {
      String e = raw.trim();
      if (e.isEmpty()) {
        continue;
      }
      String[] f = e.split(":");
      try {
        int i = 0;
        int nsid = Integer.parseInt(f[i++].trim());
        QemuNamespace.Kind kind = QemuNamespace.Kind.TEMPORARY;
        Path image = null;
        if (f[i].startsWith("file=")) {
          kind = QemuNamespace.Kind.FILE;
          image = Path.of(f[i++].substring(5));
        } else if (f[i].equals("null")) {
          kind = QemuNamespace.Kind.NULL;
          i++;
        }
        long size = parseSize("namespace " + e, f[i++]);
        int lba = 512;
        boolean detached = false;
        for (; i < f.length; i++) {
          if (f[i].equals("detached")) {
            detached = true;
          } else {
            lba = Integer.parseInt(f[i].trim());
          }
        }
        out.add(new QemuNamespace(nsid, kind, image, size, lba, detached));
      } catch (RuntimeException ex) {
        throw new IllegalArgumentException("namespace \"" + e + "\": expected nsid:SIZE[:LBA],"
            + " nsid:file=PATH:SIZE[:LBA] or nsid:null:SIZE[:LBA], optionally :detached ("
            + ex.getMessage() + ")", ex);
      }
    }
    return out;
  }

  /**
   * Parses a size: bytes, or a number with a K, M, G or T suffix ({@code 256M}).
   *
   * @param what names the value in the message
   * @throws IllegalArgumentException if it is not a size
   */
  public static long parseSize(String what, String raw) {
    String v = raw.trim().replace("_", "").toLowerCase(Locale.ROOT);
    int shift = 0;
    if (!v.isEmpty()) {
      switch (v.charAt(v.length() - 1)) {
        case 'k' -> shift = 10;
        case 'm' -> shift = 20;
        case 'g' -> shift = 30;
        case 't' -> shift = 40;
        default -> shift = 0;
      }
    }
    if (shift != 0) {
      v = v.substring(0, v.length() - 1);
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException("out of range");
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + "=\"" + raw + "\" is not a size", e);
    }
  }

  private static int parseInt(String what, String raw) {
    try {
      return Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + "=\"" + raw + "\" is not a number", e);
    }
  }
}
