package io.jnvme.disk.nbd.internal;

/**
 * Constants of the NBD protocol (the NetworkBlockDevice project's {@code doc/proto.md}): magic
 * numbers, handshake and transmission flags, option and reply types, commands and error values.
 * Everything on the wire is big endian.
 */
final class Nbd {
  private Nbd() {}

  // ---- handshake
  /** "NBDMAGIC": the first 8 bytes the server sends. */
  static final long NBDMAGIC = 0x4e42444d41474943L;
  /** "IHAVEOPT": newstyle negotiation, also the magic of every option the client sends. */
  static final long IHAVEOPT = 0x49484156454F5054L;
  /** Magic of every option reply. */
  static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;

  /** Handshake flag: the server speaks fixed newstyle. */
  static final int FLAG_FIXED_NEWSTYLE = 1;
  /** Handshake flag: the server can leave out the 124 zero bytes after NBD_OPT_EXPORT_NAME. */
  static final int FLAG_NO_ZEROES = 1 << 1;
  /** Client flag: the client speaks fixed newstyle. */
  static final int FLAG_C_FIXED_NEWSTYLE = 1;
  /** Client flag: leave out the 124 zero bytes. */
  static final int FLAG_C_NO_ZEROES = 1 << 1;

  // ---- transmission flags (16 bits, sent with the export's size)
  static final int FLAG_HAS_FLAGS = 1;
  static final int FLAG_READ_ONLY = 1 << 1;
  static final int FLAG_SEND_FLUSH = 1 << 2;
  static final int FLAG_SEND_FUA = 1 << 3;
  static final int FLAG_ROTATIONAL = 1 << 4;
  static final int FLAG_SEND_TRIM = 1 << 5;
  static final int FLAG_SEND_WRITE_ZEROES = 1 << 6;
  static final int FLAG_SEND_DF = 1 << 7;
  static final int FLAG_CAN_MULTI_CONN = 1 << 8;

  // ---- options
  static final int OPT_EXPORT_NAME = 1;
  static final int OPT_ABORT = 2;
  static final int OPT_LIST = 3;
  static final int OPT_STARTTLS = 5;
  static final int OPT_INFO = 6;
  static final int OPT_GO = 7;
  static final int OPT_STRUCTURED_REPLY = 8;
  static final int OPT_LIST_META_CONTEXT = 9;
  static final int OPT_SET_META_CONTEXT = 10;

  // ---- option replies
  static final int REP_ACK = 1;
  static final int REP_SERVER = 2;
  static final int REP_INFO = 3;
  /** Error replies have bit 31 set. */
  static final int REP_ERR_UNSUP = 0x8000_0001;
  static final int REP_ERR_POLICY = 0x8000_0002;
  static final int REP_ERR_INVALID = 0x8000_0003;
  static final int REP_ERR_UNKNOWN = 0x8000_0006;
  static final int REP_ERR_SHUTDOWN = 0x8000_0007;
  static final int REP_ERR_TOO_BIG = 0x8000_0009;

  // ---- NBD_REP_INFO types
  static final int INFO_EXPORT = 0;
  static final int INFO_NAME = 1;
  static final int INFO_DESCRIPTION = 2;
  static final int INFO_BLOCK_SIZE = 3;

  // ---- transmission
  static final int REQUEST_MAGIC = 0x25609513;
  static final int SIMPLE_REPLY_MAGIC = 0x67446698;
  static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;
  /** Request header: magic, flags, type, cookie, offset, length. */
  static final int REQUEST_HEADER_SIZE = 28;
  static final int SIMPLE_REPLY_HEADER_SIZE = 16;
  static final int STRUCTURED_REPLY_HEADER_SIZE = 20;

  static final int CMD_FLAG_FUA = 1;
  static final int CMD_FLAG_NO_HOLE = 1 << 1;
  static final int CMD_FLAG_DF = 1 << 2;
  static final int CMD_FLAG_REQ_ONE = 1 << 3;
  static final int CMD_FLAG_FAST_ZERO = 1 << 4;

  static final int CMD_READ = 0;
  static final int CMD_WRITE = 1;
  static final int CMD_DISC = 2;
  static final int CMD_FLUSH = 3;
  static final int CMD_TRIM = 4;
  static final int CMD_CACHE = 5;
  static final int CMD_WRITE_ZEROES = 6;
  static final int CMD_BLOCK_STATUS = 7;

  static final int REPLY_FLAG_DONE = 1;
  static final int REPLY_TYPE_NONE = 0;
  static final int REPLY_TYPE_OFFSET_DATA = 1;
  static final int REPLY_TYPE_ERROR = 0x8001;

  // ---- error values
  static final int EPERM = 1;
  static final int EIO = 5;
  static final int ENOMEM = 12;
  static final int EINVAL = 22;
  static final int ENOSPC = 28;
  static final int EOVERFLOW = 75;
  static final int ENOTSUP = 95;
  static final int ESHUTDOWN = 108;

  /** Strings (export names, messages) are at most 4096 bytes. */
  static final int MAX_STRING = 4096;

  /** A printable name for a command type, for logs. */
  static String commandName(int type) {
    return switch (type) {
      case CMD_READ -> "READ";
      case CMD_WRITE -> "WRITE";
      case CMD_DISC -> "DISC";
      case CMD_FLUSH -> "FLUSH";
      case CMD_TRIM -> "TRIM";
      case CMD_CACHE -> "CACHE";
      case CMD_WRITE_ZEROES -> "WRITE_ZEROES";
      case CMD_BLOCK_STATUS -> "BLOCK_STATUS";
      default -> "type" + type;
    };
  }
}
