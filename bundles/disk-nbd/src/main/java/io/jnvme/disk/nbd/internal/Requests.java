package io.jnvme.disk.nbd.internal;

/**
 * Validation of transmission requests, without I/O: which NBD error a request gets before it
 * reaches the device. Pure functions, so that hostile inputs are easy to test.
 */
final class Requests {
  private Requests() {}

  /** Command flags this server knows. */
  private static final int KNOWN_FLAGS = Nbd.CMD_FLAG_FUA | Nbd.CMD_FLAG_NO_HOLE
      | Nbd.CMD_FLAG_DF;

  /**
   * The error a request gets before any I/O, or 0 if it may run.
   *
   * @param offset the offset as sent (unsigned 64 bits)
   * @param length the length as sent (unsigned 32 bits)
   * @param size the export's size now
   * @param structured whether structured replies were negotiated (NBD_CMD_FLAG_DF needs them)
   * @param maxPayload the largest READ or WRITE payload
   */
  static int check(int type, int flags, long offset, long length, long size, boolean readOnly,
      boolean structured, int maxPayload) {
    if ((flags & ~KNOWN_FLAGS) != 0) {
      // Unknown flags, NBD_CMD_FLAG_FAST_ZERO (never advertised) and REQ_ONE included.
      return Nbd.EINVAL;
    }
    if ((flags & Nbd.CMD_FLAG_NO_HOLE) != 0 && type != Nbd.CMD_WRITE_ZEROES) {
      return Nbd.EINVAL;
    }
    if ((flags & Nbd.CMD_FLAG_DF) != 0 && (type != Nbd.CMD_READ || !structured)) {
      return Nbd.EINVAL;
    }
    boolean outside = offset < 0 || offset > size || length > size - offset;
    switch (type) {
      case Nbd.CMD_READ:
        if (length > maxPayload) {
          return structured ? Nbd.EOVERFLOW : Nbd.EINVAL;
        }
        return outside ? Nbd.EINVAL : 0;
      case Nbd.CMD_WRITE:
        if (length > maxPayload) {
          return Nbd.EINVAL;
        }
        if (readOnly) {
          return Nbd.EPERM;
        }
        return outside ? Nbd.ENOSPC : 0;
      case Nbd.CMD_WRITE_ZEROES:
        if (readOnly) {
          return Nbd.EPERM;
        }
        return outside ? Nbd.ENOSPC : 0;
      case Nbd.CMD_TRIM:
        if (readOnly) {
          return Nbd.EPERM;
        }
        return outside ? Nbd.EINVAL : 0;
      case Nbd.CMD_FLUSH:
        return 0;
      default:
        // NBD_CMD_CACHE and NBD_CMD_BLOCK_STATUS are not advertised; others are unknown.
        return Nbd.EINVAL;
    }
  }

  /** Transmission flags of an export. */
  static int transmissionFlags(boolean readOnly, boolean structured) {
    int f = Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_CAN_MULTI_CONN;
    if (readOnly) {
      f |= Nbd.FLAG_READ_ONLY;
    } else {
      f |= Nbd.FLAG_SEND_FUA | Nbd.FLAG_SEND_TRIM | Nbd.FLAG_SEND_WRITE_ZEROES;
    }
    if (structured) {
      // Every read is answered with one data chunk, so "don't fragment" always holds.
      f |= Nbd.FLAG_SEND_DF;
    }
    return f;
  }
}
