package io.jnvme.spec;

import java.nio.ByteBuffer;

/**
 * Completion Queue Entry, 16 bytes (Base spec 2.0, §4.2.1 "Completion Queue Entry"). The status
 * word holds the phase tag in bit 0 and the {@link Status} in bits 15:1.
 */
public final class Cqe extends Flyweight {
  /** Size of a CQE in bytes; CC.IOCQES = 4 selects it. */
  public static final int SIZE = 16;
  /** log2 of {@link #SIZE}, the value for CC.IOCQES. */
  public static final int SIZE_LOG2 = 4;
  public static final int DW0_OFFSET = 0;
  public static final int DW1_OFFSET = 4;
  public static final int SQHD_OFFSET = 8;
  public static final int SQID_OFFSET = 10;
  public static final int CID_OFFSET = 12;
  public static final int STATUS_OFFSET = 14;
  /** Dword 3 (CID and status) holds the phase bit; the driver reads it first, with acquire. */
  public static final int DW3_OFFSET = 12;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public Cqe wrap(ByteBuffer buffer, int offset) {
    super.wrap(buffer, offset);
    return this;
  }

  /** Command-specific dword 0. */
  public int dw0() {
    return i32(DW0_OFFSET);
  }

  public Cqe dw0(int v) {
    put32(DW0_OFFSET, v);
    return this;
  }

  public int dw1() {
    return i32(DW1_OFFSET);
  }

  public Cqe dw1(int v) {
    put32(DW1_OFFSET, v);
    return this;
  }

  /** SQ Head Pointer: the submission queue entries the controller has consumed. */
  public int sqhd() {
    return u16(SQHD_OFFSET);
  }

  public Cqe sqhd(int v) {
    put16(SQHD_OFFSET, v);
    return this;
  }

  /** SQ Identifier. */
  public int sqid() {
    return u16(SQID_OFFSET);
  }

  public Cqe sqid(int v) {
    put16(SQID_OFFSET, v);
    return this;
  }

  /** Command Identifier. */
  public int cid() {
    return u16(CID_OFFSET);
  }

  public Cqe cid(int v) {
    put16(CID_OFFSET, v);
    return this;
  }

  /** The raw 16-bit status word: phase in bit 0, status field in bits 15:1. */
  public int statusWord() {
    return u16(STATUS_OFFSET);
  }

  public Cqe statusWord(int v) {
    put16(STATUS_OFFSET, v);
    return this;
  }

  /** Phase Tag (status bit 0). */
  public boolean phase() {
    return (statusWord() & 1) != 0;
  }

  /** The status field (status bits 15:1). */
  public Status status() {
    return new Status(statusWord() >>> 1);
  }

  /** The status field as an int, without creating a {@link Status}. */
  public int statusRaw() {
    return statusWord() >>> 1;
  }

  /** Packs a status and a phase into the status word. */
  public static int statusWord(int statusRaw, boolean phase) {
    return ((statusRaw & 0x7FFF) << 1) | (phase ? 1 : 0);
  }

  @Override
  public String toString() {
    return String.format(
        "Cqe[cid=%d sqid=%d sqhd=%d phase=%b status=%s dw0=0x%08x]",
        cid(), sqid(), sqhd(), phase(), status(), dw0());
  }
}
