package io.jnvme.spec;

import java.nio.ByteBuffer;

/**
 * One entry of the Error Information log page, LID 01h, 64 bytes (Base spec 2.0, §5.16.1.2,
 * Figure 206). The log holds Identify Controller ELPE + 1 entries, newest first; an entry with
 * Error Count 0 is unused.
 */
public final class ErrorLogEntry extends Flyweight {
  public static final int SIZE = 64;
  public static final int ERROR_COUNT_OFFSET = 0;
  public static final int SQID_OFFSET = 8;
  public static final int CID_OFFSET = 10;
  public static final int STATUS_OFFSET = 12;
  public static final int PARAMETER_ERROR_LOCATION_OFFSET = 14;
  public static final int LBA_OFFSET = 16;
  public static final int NSID_OFFSET = 24;
  public static final int VENDOR_SPECIFIC_OFFSET = 28;
  public static final int TRTYPE_OFFSET = 29;
  public static final int COMMAND_SPECIFIC_OFFSET = 32;
  public static final int TRTYPE_SPECIFIC_OFFSET = 40;
  /** Parameter Error Location value meaning "not specific to a field". */
  public static final int NO_PARAMETER_LOCATION = 0xFFFF;
  /** CID value for an error not tied to a command (e.g. an invalid doorbell write). */
  public static final int NO_CID = 0xFFFF;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public ErrorLogEntry wrap(ByteBuffer buffer, int offset) {
    super.wrap(buffer, offset);
    return this;
  }

  /** Error Count: a unique, increasing number for this error; 0 marks an unused entry. */
  public long errorCount() {
    return i64(ERROR_COUNT_OFFSET);
  }

  public ErrorLogEntry errorCount(long v) {
    put64(ERROR_COUNT_OFFSET, v);
    return this;
  }

  /** Submission Queue ID of the failed command. */
  public int sqid() {
    return u16(SQID_OFFSET);
  }

  public ErrorLogEntry sqid(int v) {
    put16(SQID_OFFSET, v);
    return this;
  }

  /** Command ID of the failed command, {@link #NO_CID} if none. */
  public int cid() {
    return u16(CID_OFFSET);
  }

  public ErrorLogEntry cid(int v) {
    put16(CID_OFFSET, v);
    return this;
  }

  /** Status Field as in the completion: phase tag in bit 0, the status in bits 15:1. */
  public int statusWord() {
    return u16(STATUS_OFFSET);
  }

  public ErrorLogEntry statusWord(int v) {
    put16(STATUS_OFFSET, v);
    return this;
  }

  /** The status, without the phase tag. */
  public Status status() {
    return new Status(statusWord() >>> 1);
  }

  /** Parameter Error Location: byte (7:0) and bit (10:8) of the field in error. */
  public int parameterErrorLocation() {
    return u16(PARAMETER_ERROR_LOCATION_OFFSET);
  }

  public ErrorLogEntry parameterErrorLocation(int v) {
    put16(PARAMETER_ERROR_LOCATION_OFFSET, v);
    return this;
  }

  /** First LBA that had the error, when the error concerns an LBA. */
  public long lba() {
    return i64(LBA_OFFSET);
  }

  public ErrorLogEntry lba(long v) {
    put64(LBA_OFFSET, v);
    return this;
  }

  /** Namespace of the error, 0 if none. */
  public int nsid() {
    return i32(NSID_OFFSET);
  }

  public ErrorLogEntry nsid(int v) {
    put32(NSID_OFFSET, v);
    return this;
  }

  /** Transport Type (0 = PCIe). */
  public int trtype() {
    return u8(TRTYPE_OFFSET);
  }

  /** Command Specific Information. */
  public long commandSpecific() {
    return i64(COMMAND_SPECIFIC_OFFSET);
  }
}
