package io.jnvme.dma.lockmem.internal;

/** A C library call failed; carries the call's name and {@code errno}. */
public final class NativeCallException extends Exception {
  private static final long serialVersionUID = 1L;

  /** errno EPERM: no permission (mlock with RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK). */
  public static final int EPERM = 1;
  /** errno EAGAIN: some pages could not be locked. */
  public static final int EAGAIN = 11;
  /** errno ENOMEM: out of memory, or the lock would exceed RLIMIT_MEMLOCK. */
  public static final int ENOMEM = 12;
  /** errno EINVAL: bad argument. */
  public static final int EINVAL = 22;

  private final String call;
  private final int errno;

  public NativeCallException(String call, int errno) {
    super(call + " failed errno=" + errnoName(errno));
    this.call = call;
    this.errno = errno;
  }

  /** The failed call, e.g. {@code mlock}. */
  public String call() {
    return call;
  }

  /** The errno value. */
  public int errno() {
    return errno;
  }

  /** The errno as {@code NAME(number)} for the codes these calls return, else the number. */
  public static String errnoName(int errno) {
    String name = switch (errno) {
      case EPERM -> "EPERM";
      case EAGAIN -> "EAGAIN";
      case ENOMEM -> "ENOMEM";
      case EINVAL -> "EINVAL";
      default -> null;
    };
    return name == null ? Integer.toString(errno) : name + "(" + errno + ")";
  }
}
