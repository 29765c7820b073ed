package io.jnvme.transport.qemu;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One namespace of the QEMU NVMe controller: an {@code nvme-ns} device on a raw image file, on a
 * temporary image in the run directory, or on QEMU's {@code null-co} driver (reads return zeros,
 * writes are dropped: for measuring the transport, not for data).
 *
 * @param nsid namespace id, 1 to 256 (QEMU 7.2's limit)
 * @param kind what backs it
 * @param image the image file for {@link Kind#FILE}; null otherwise
 * @param sizeBytes capacity, a positive multiple of {@code lbaSize}
 * @param lbaSize logical block size: 512, 1024, 2048 or 4096
 * @param detached start detached from the controller (needs the subsystem); attach it later
 *     with {@link QemuMachine#attachNamespace(int)}
 * @since 1.0
 */
public record QemuNamespace(int nsid, Kind kind, Path image, long sizeBytes, int lbaSize,
    boolean detached) {
  /** What backs a namespace. */
  public enum Kind {
    /** A raw image file that outlives QEMU; created (sparse) if missing. */
    FILE,
    /** A raw image in the run directory, deleted when the instance stops. */
    TEMPORARY,
    /** QEMU's null-co block driver: no data is kept. */
    NULL
  }

  /** QEMU 7.2 supports NSIDs 1 to 256 ({@code NVME_MAX_NAMESPACES}). */
  public static final int MAX_NSID = 256;

  public QemuNamespace {
    Objects.requireNonNull(kind, "kind");
    if (nsid < 1 || nsid > MAX_NSID) {
      throw new IllegalArgumentException("nsid=" + nsid + ": must be 1.." + MAX_NSID);
    }
    if (lbaSize != 512 && lbaSize != 1024 && lbaSize != 2048 && lbaSize != 4096) {
      throw new IllegalArgumentException("nsid=" + nsid + " lbaSize=" + lbaSize
          + ": must be 512, 1024, 2048 or 4096");
    }
    if (sizeBytes <= 0 || sizeBytes % lbaSize != 0) {
      throw new IllegalArgumentException("nsid=" + nsid + " sizeBytes=" + sizeBytes
          + ": must be a positive multiple of lbaSize=" + lbaSize);
    }
    if ((kind == Kind.FILE) != (image != null)) {
      throw new IllegalArgumentException("nsid=" + nsid + ": an image path goes with FILE only");
    }
  }

  /** A namespace on the image file {@code image}. */
  public static QemuNamespace file(int nsid, Path image, long sizeBytes, int lbaSize) {
    return new QemuNamespace(nsid, Kind.FILE, Objects.requireNonNull(image, "image"), sizeBytes,
        lbaSize, false);
  }

  /** A namespace on a temporary image in the run directory. */
  public static QemuNamespace temporary(int nsid, long sizeBytes, int lbaSize) {
    return new QemuNamespace(nsid, Kind.TEMPORARY, null, sizeBytes, lbaSize, false);
  }

  /** A namespace that keeps no data (QEMU's null-co driver, reads return zeros). */
  public static QemuNamespace nullDevice(int nsid, long sizeBytes, int lbaSize) {
    return new QemuNamespace(nsid, Kind.NULL, null, sizeBytes, lbaSize, false);
  }

  /** This namespace, detached at start. */
  public QemuNamespace asDetached() {
    return new QemuNamespace(nsid, kind, image, sizeBytes, lbaSize, true);
  }
}
