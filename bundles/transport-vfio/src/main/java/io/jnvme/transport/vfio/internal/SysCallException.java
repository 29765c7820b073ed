package io.jnvme.transport.vfio.internal;

/** A Linux system call failed; carries the call's name and {@code errno}. */
public final class SysCallException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Operation not permitted. */
  public static final int EPERM = 1;
  /** No such file or directory. */
  public static final int ENOENT = 2;
  /** Interrupted system call. */
  public static final int EINTR = 4;
  /** Input/output error. */
  public static final int EIO = 5;
  /** Try again (a non-blocking eventfd with nothing to read). */
  public static final int EAGAIN = 11;
  /** Out of memory; for VFIO_IOMMU_MAP_DMA usually RLIMIT_MEMLOCK. */
  public static final int ENOMEM = 12;
  /** Permission denied. */
  public static final int EACCES = 13;
  /** Device or resource busy: a group or device already open elsewhere. */
  public static final int EBUSY = 16;
  /** File exists: an IOVA range already mapped. */
  public static final int EEXIST = 17;
  /** No such device. */
  public static final int ENODEV = 19;
  /** Invalid argument. */
  public static final int EINVAL = 22;
  /** No space left: the IOMMU's limit of DMA mappings was reached. */
  public static final int ENOSPC = 28;
  /** Inappropriate ioctl for the file. */
  public static final int ENOTTY = 25;

  private final String call;
  private final int errno;

  public SysCallException(String call, int errno) {
    super(call + " failed: " + errnoName(errno));
    this.call = call;
    this.errno = errno;
  }

  /** The failed call, e.g. {@code open /dev/vfio/12} or {@code VFIO_IOMMU_MAP_DMA}. */
  public String call() {
    return call;
  }

  public int errno() {
    return errno;
  }

  /** {@code NAME(number)} for the codes these calls return, else the number. */
  public static String errnoName(int errno) {
    String name = switch (errno) {
      case EPERM -> "EPERM";
      case ENOENT -> "ENOENT";
      case EINTR -> "EINTR";
      case EIO -> "EIO";
      case EAGAIN -> "EAGAIN";
      case ENOMEM -> "ENOMEM";
      case EACCES -> "EACCES";
      case EBUSY -> "EBUSY";
      case EEXIST -> "EEXIST";
      case ENODEV -> "ENODEV";
      case EINVAL -> "EINVAL";
      case ENOTTY -> "ENOTTY";
      case ENOSPC -> "ENOSPC";
      default -> null;
    };
    return name == null ? "errno " + errno : name + "(" + errno + ")";
  }
}
