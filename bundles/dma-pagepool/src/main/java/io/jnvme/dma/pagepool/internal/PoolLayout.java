package io.jnvme.dma.pagepool.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of a pool file, format version {@value #FORMAT_VERSION}: offsets, sizes and
 * the encoding of the header, the holder record and slot records. All integers are little
 * endian; every checksum is CRC-32C. The format is described for users in the package
 * documentation of {@code io.jnvme.dma.pagepool}; this class is its single implementation.
 */
final class PoolLayout {
  private PoolLayout() {}

  /** The format version this build writes and reads. */
  static final int FORMAT_VERSION = 1;
  /** Page size of the pool. */
  static final int PAGE_SIZE = 4096;
  /**
   * The pool is mapped in windows of this size (1 GiB, a multiple of every huge page size), and
   * no allocation crosses a window boundary, so each block is one slice of one mapping.
   */
  static final long WINDOW_SIZE = 1L << 30;

  // ---- Header: file offset 0, checked part [0, HEADER_CHECKED_LENGTH) ----

  /** {@code "JNVMEPGP"}. */
  static final long MAGIC = 0x5047_5045_4D56_4E4AL;
  static final int MAGIC_OFFSET = 0;
  static final int VERSION_OFFSET = 8;
  static final int PAGE_SIZE_OFFSET = 12;
  static final int POOL_SIZE_OFFSET = 16;
  static final int BASE_OFFSET = 24;
  static final int SLOT_TABLE_OFFSET_OFFSET = 32;
  static final int SLOT_COUNT_OFFSET = 40;
  static final int SLOT_RECORD_SIZE_OFFSET = 44;
  static final int DATA_OFFSET_OFFSET = 48;
  static final int WINDOW_SIZE_OFFSET = 56;
  static final int CREATED_OFFSET = 64;
  static final int UUID_OFFSET = 72;
  static final int HEADER_CRC_OFFSET = 88;
  static final int HEADER_CHECKED_LENGTH = HEADER_CRC_OFFSET;
  static final int HEADER_SIZE = HEADER_CRC_OFFSET + 4;

  // ---- Holder record: file offset 1024, 256 bytes, advisory (not part of the header CRC) ----

  static final int HOLDER_OFFSET = 1024;
  static final int HOLDER_SIZE = 256;
  /** {@code "HOLD"}. */
  static final int HOLDER_MAGIC = 0x444C_4F48;
  static final int HOLDER_PID_OFFSET = 8;
  static final int HOLDER_SINCE_OFFSET = 16;
  static final int HOLDER_TEXT_LENGTH_OFFSET = 24;
  static final int HOLDER_TEXT_OFFSET = 26;
  static final int HOLDER_TEXT_MAX = 220;
  static final int HOLDER_CRC_OFFSET = 252;

  // ---- Slot table: file offset PAGE_SIZE, two copies of SLOT_RECORD_SIZE bytes per slot ----

  static final long SLOT_TABLE_OFFSET = PAGE_SIZE;
  static final int SLOT_RECORD_SIZE = 256;
  static final int SLOT_COPIES = 2;
  /** {@code "SLOT"}. */
  static final int SLOT_MAGIC = 0x544F_4C53;
  static final int SLOT_MAGIC_OFFSET = 0;
  static final int SLOT_STATE_OFFSET = 4;
  static final int SLOT_INDEX_OFFSET = 6;
  static final int SLOT_SEQ_OFFSET = 8;
  static final int SLOT_ID_OFFSET = 16;
  static final int SLOT_FILE_OFFSET_OFFSET = 24;
  static final int SLOT_LENGTH_OFFSET = 32;
  static final int SLOT_CREATED_OFFSET = 40;
  static final int SLOT_DEVICE_LENGTH_OFFSET = 48;
  static final int SLOT_TAG_LENGTH_OFFSET = 49;
  static final int SLOT_DEVICE_OFFSET = 52;
  static final int DEVICE_ID_MAX = 128;
  static final int SLOT_TAG_OFFSET = SLOT_DEVICE_OFFSET + DEVICE_ID_MAX;
  static final int TAG_MAX = 64;
  static final int SLOT_CRC_OFFSET = 252;

  /** Slot states. */
  static final int FREE = 0;
  /** Write-ahead: pages chosen, being zeroed, not yet handed out. Rolled back at open. */
  static final int RESERVED = 1;
  /** Committed: the block was handed to a device. */
  static final int ALLOCATED = 2;

  /** The file offset of copy {@code copy} of slot {@code index}. */
  static long slotCopyOffset(int index, int copy) {
    return SLOT_TABLE_OFFSET + ((long) index * SLOT_COPIES + copy) * SLOT_RECORD_SIZE;
  }

  /** The first allocatable byte for a slot table of {@code slots} slots: the next page. */
  static long dataOffset(int slots) {
    long end = slotCopyOffset(slots, 0);
    return (end + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE;
  }

  static String stateName(int state) {
    return switch (state) {
      case FREE -> "FREE";
      case RESERVED -> "RESERVED";
      case ALLOCATED -> "ALLOCATED";
      default -> "state" + state;
    };
  }

  /** The immutable part of the header. */
  record Header(int version, int pageSize, long poolSize, long deviceAddressBase,
      long slotTableOffset, int slotCount, int slotRecordSize, long dataOffset, long windowSize,
      long created, UUID uuid) {

    /** A version-{@value #FORMAT_VERSION} header for a new pool. */
    static Header create(long poolSize, long base, int slots, long created, UUID uuid) {
      return new Header(FORMAT_VERSION, PAGE_SIZE, poolSize, base, SLOT_TABLE_OFFSET, slots,
          SLOT_RECORD_SIZE, PoolLayout.dataOffset(slots), WINDOW_SIZE, created, uuid);
    }

    byte[] encode() {
      ByteBuffer b = le(new byte[HEADER_SIZE]);
      b.putLong(MAGIC_OFFSET, MAGIC);
      b.putInt(VERSION_OFFSET, version);
      b.putInt(PAGE_SIZE_OFFSET, pageSize);
      b.putLong(POOL_SIZE_OFFSET, poolSize);
      b.putLong(BASE_OFFSET, deviceAddressBase);
      b.putLong(SLOT_TABLE_OFFSET_OFFSET, slotTableOffset);
      b.putInt(SLOT_COUNT_OFFSET, slotCount);
      b.putInt(SLOT_RECORD_SIZE_OFFSET, slotRecordSize);
      b.putLong(DATA_OFFSET_OFFSET, dataOffset);
      b.putLong(WINDOW_SIZE_OFFSET, windowSize);
      b.putLong(CREATED_OFFSET, created);
      b.putLong(UUID_OFFSET, uuid.getMostSignificantBits());
      b.putLong(UUID_OFFSET + 8, uuid.getLeastSignificantBits());
      b.putInt(HEADER_CRC_OFFSET, crc(b.array(), 0, HEADER_CHECKED_LENGTH));
      return b.array();
    }

    /**
     * Decodes and checks a header.
     *
     * @param raw at least {@link #HEADER_SIZE} bytes from file offset 0
     * @param fileSize the file's actual size
     * @return the header
     * @throws IllegalArgumentException with the reason, if the bytes are not a header this build
     *     can use
     */
    static Header decode(byte[] raw, long fileSize) {
      ByteBuffer b = le(raw);
      long magic = b.getLong(MAGIC_OFFSET);
      if (magic != MAGIC) {
        throw new IllegalArgumentException("not a jnvme page pool: magic=0x"
            + Long.toHexString(magic) + " expected=0x" + Long.toHexString(MAGIC));
      }
      int version = b.getInt(VERSION_OFFSET);
      int storedCrc = b.getInt(HEADER_CRC_OFFSET);
      int actualCrc = crc(raw, 0, HEADER_CHECKED_LENGTH);
      if (storedCrc != actualCrc) {
        throw new IllegalArgumentException("header checksum mismatch: stored=0x"
            + Integer.toHexString(storedCrc) + " computed=0x" + Integer.toHexString(actualCrc)
            + " (formatVersion=" + version + ")");
      }
      if (version != FORMAT_VERSION) {
        throw new IllegalArgumentException("unsupported formatVersion=" + version
            + " (this build reads " + FORMAT_VERSION + ")");
      }
      Header h = new Header(version, b.getInt(PAGE_SIZE_OFFSET), b.getLong(POOL_SIZE_OFFSET),
          b.getLong(BASE_OFFSET), b.getLong(SLOT_TABLE_OFFSET_OFFSET),
          b.getInt(SLOT_COUNT_OFFSET), b.getInt(SLOT_RECORD_SIZE_OFFSET),
          b.getLong(DATA_OFFSET_OFFSET), b.getLong(WINDOW_SIZE_OFFSET), b.getLong(CREATED_OFFSET),
          new UUID(b.getLong(UUID_OFFSET), b.getLong(UUID_OFFSET + 8)));
      h.check(fileSize);
      return h;
    }

    /** Geometry checks: a header with a valid checksum can still describe an impossible pool. */
    private void check(long fileSize) {
      if (pageSize != PAGE_SIZE) {
        throw new IllegalArgumentException("pageSize=" + pageSize + " expected=" + PAGE_SIZE);
      }
      if (slotRecordSize != SLOT_RECORD_SIZE || slotTableOffset != SLOT_TABLE_OFFSET) {
        throw new IllegalArgumentException("slotRecordSize=" + slotRecordSize
            + " slotTableOffset=" + slotTableOffset + " expected " + SLOT_RECORD_SIZE + " and "
            + SLOT_TABLE_OFFSET);
      }
      if (windowSize != WINDOW_SIZE) {
        throw new IllegalArgumentException("windowSize=" + windowSize + " expected="
            + WINDOW_SIZE);
      }
      if (slotCount < 1 || slotCount > 65_535 || dataOffset != PoolLayout.dataOffset(slotCount)) {
        throw new IllegalArgumentException("slotCount=" + slotCount + " dataOffset="
            + dataOffset + " do not fit together");
      }
      if (poolSize % PAGE_SIZE != 0 || poolSize <= dataOffset) {
        throw new IllegalArgumentException("poolSize=" + poolSize + " is not a page multiple"
            + " larger than dataOffset=" + dataOffset);
      }
      if (poolSize != fileSize) {
        throw new IllegalArgumentException("poolSize=" + poolSize + " but the file has "
            + fileSize + " bytes (truncated or extended)");
      }
      if (deviceAddressBase % PAGE_SIZE != 0 || deviceAddressBase < 0
          || deviceAddressBase + poolSize < 0) {
        throw new IllegalArgumentException("deviceAddressBase=0x"
            + Long.toHexString(deviceAddressBase) + " is not page aligned or overflows");
      }
    }
  }

  /**
   * One slot record: a slot's state as one copy stores it.
   *
   * @param state {@link #FREE}, {@link #RESERVED} or {@link #ALLOCATED}
   * @param index the slot's index (a record found at another slot's place is corrupt)
   * @param seq the slot's sequence number, incremented by every write of the slot
   * @param id the allocation's number; a free slot keeps its last allocation's number
   * @param offset the first byte of the run in the file
   * @param length the run's length in bytes
   * @param created when the allocation was made (epoch milliseconds)
   * @param deviceId the owning device
   * @param tag what the block is for
   */
  record SlotRecord(int state, int index, long seq, long id, long offset, long length,
      long created, String deviceId, String tag) {

    /** The record of a slot that has never been written. */
    static SlotRecord empty(int index) {
      return new SlotRecord(FREE, index, 0, 0, 0, 0, 0, "", "");
    }

    SlotRecord with(int newState, long newSeq) {
      return new SlotRecord(newState, index, newSeq, id, offset, length, created, deviceId, tag);
    }

    byte[] encode() {
      byte[] device = deviceId.getBytes(StandardCharsets.UTF_8);
      byte[] t = tag.getBytes(StandardCharsets.UTF_8);
      if (device.length > DEVICE_ID_MAX || t.length > TAG_MAX) {
        throw new IllegalArgumentException("device id or tag too long");
      }
      ByteBuffer b = le(new byte[SLOT_RECORD_SIZE]);
      b.putInt(SLOT_MAGIC_OFFSET, SLOT_MAGIC);
      b.putShort(SLOT_STATE_OFFSET, (short) state);
      b.putShort(SLOT_INDEX_OFFSET, (short) index);
      b.putLong(SLOT_SEQ_OFFSET, seq);
      b.putLong(SLOT_ID_OFFSET, id);
      b.putLong(SLOT_FILE_OFFSET_OFFSET, offset);
      b.putLong(SLOT_LENGTH_OFFSET, length);
      b.putLong(SLOT_CREATED_OFFSET, created);
      b.put(SLOT_DEVICE_LENGTH_OFFSET, (byte) device.length);
      b.put(SLOT_TAG_LENGTH_OFFSET, (byte) t.length);
      b.put(SLOT_DEVICE_OFFSET, device);
      b.put(SLOT_TAG_OFFSET, t);
      b.putInt(SLOT_CRC_OFFSET, crc(b.array(), 0, SLOT_CRC_OFFSET));
      return b.array();
    }

    /**
     * Decodes one copy.
     *
     * @return the record, or null if the copy is not a valid record (never written, or torn by a
     *     crash during its write: the magic or the checksum does not match)
     */
    static SlotRecord decode(byte[] raw) {
      ByteBuffer b = le(raw);
      if (b.getInt(SLOT_MAGIC_OFFSET) != SLOT_MAGIC
          || b.getInt(SLOT_CRC_OFFSET) != crc(raw, 0, SLOT_CRC_OFFSET)) {
        return null;
      }
      int deviceLength = Byte.toUnsignedInt(b.get(SLOT_DEVICE_LENGTH_OFFSET));
      int tagLength = Byte.toUnsignedInt(b.get(SLOT_TAG_LENGTH_OFFSET));
      if (deviceLength > DEVICE_ID_MAX || tagLength > TAG_MAX) {
        return null;
      }
      return new SlotRecord(Short.toUnsignedInt(b.getShort(SLOT_STATE_OFFSET)),
          Short.toUnsignedInt(b.getShort(SLOT_INDEX_OFFSET)), b.getLong(SLOT_SEQ_OFFSET),
          b.getLong(SLOT_ID_OFFSET), b.getLong(SLOT_FILE_OFFSET_OFFSET),
          b.getLong(SLOT_LENGTH_OFFSET), b.getLong(SLOT_CREATED_OFFSET),
          new String(raw, SLOT_DEVICE_OFFSET, deviceLength, StandardCharsets.UTF_8),
          new String(raw, SLOT_TAG_OFFSET, tagLength, StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "slot=" + index + " state=" + stateName(state) + " seq=" + seq + " id=" + id
          + " offset=" + offset + " length=" + length + " device=" + deviceId + " tag=" + tag;
    }
  }

  /**
   * The holder record: who holds the file lock, for the error message of the next would-be
   * user.
   */
  static byte[] encodeHolder(long pid, long since, String text) {
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(t.length, HOLDER_TEXT_MAX);
    ByteBuffer b = le(new byte[HOLDER_SIZE]);
    b.putInt(0, HOLDER_MAGIC);
    b.putLong(HOLDER_PID_OFFSET, pid);
    b.putLong(HOLDER_SINCE_OFFSET, since);
    b.putShort(HOLDER_TEXT_LENGTH_OFFSET, (short) n);
    b.put(HOLDER_TEXT_OFFSET, t, 0, n);
    b.putInt(HOLDER_CRC_OFFSET, crc(b.array(), 0, HOLDER_CRC_OFFSET));
    return b.array();
  }

  /** The holder's description, or null if the record is absent or unreadable. */
  static String decodeHolder(byte[] raw) {
    ByteBuffer b = le(raw);
    if (b.getInt(0) != HOLDER_MAGIC || b.getInt(HOLDER_CRC_OFFSET) != crc(raw, 0,
        HOLDER_CRC_OFFSET)) {
      return null;
    }
    int n = Math.min(Short.toUnsignedInt(b.getShort(HOLDER_TEXT_LENGTH_OFFSET)), HOLDER_TEXT_MAX);
    return "pid=" + b.getLong(HOLDER_PID_OFFSET) + " since=" + java.time.Instant.ofEpochMilli(
        b.getLong(HOLDER_SINCE_OFFSET)) + " "
        + new String(raw, HOLDER_TEXT_OFFSET, n, StandardCharsets.UTF_8);
  }

  /** The pid in a holder record, or -1. */
  static long holderPid(byte[] raw) {
    ByteBuffer b = le(raw);
    if (b.getInt(0) != HOLDER_MAGIC || b.getInt(HOLDER_CRC_OFFSET) != crc(raw, 0,
        HOLDER_CRC_OFFSET)) {
      return -1;
    }
    return b.getLong(HOLDER_PID_OFFSET);
  }

  static int crc(byte[] data, int offset, int length) {
    CRC32C c = new CRC32C();
    c.update(data, offset, length);
    return (int) c.getValue();
  }

  static boolean allZero(byte[] data) {
    for (byte x : data) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static ByteBuffer le(byte[] a) {
    return ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN);
  }
}
