package io.jnvme.spec;

import java.nio.ByteBuffer;

/**
 * Submission Queue Entry, 64 bytes (Base spec 2.0, §4.2 "Submission Queue Entry"). A mutable
 * view; reuse one instance per queue by re-wrapping it.
 */
public final class Sqe extends Flyweight {
  /** Size of an SQE in bytes; CC.IOSQES = 6 selects it. */
  public static final int SIZE = 64;
  /** log2 of {@link #SIZE}, the value for CC.IOSQES. */
  public static final int SIZE_LOG2 = 6;
  public static final int CDW0_OFFSET = 0;
  public static final int NSID_OFFSET = 4;
  public static final int CDW2_OFFSET = 8;
  public static final int CDW3_OFFSET = 12;
  public static final int MPTR_OFFSET = 16;
  public static final int PRP1_OFFSET = 24;
  public static final int PRP2_OFFSET = 32;
  public static final int CDW10_OFFSET = 40;
  public static final int CDW11_OFFSET = 44;
  public static final int CDW12_OFFSET = 48;
  public static final int CDW13_OFFSET = 52;
  public static final int CDW14_OFFSET = 56;
  public static final int CDW15_OFFSET = 60;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public Sqe wrap(ByteBuffer buffer, int offset) {
    super.wrap(buffer, offset);
    return this;
  }

  /** Opcode (CDW0 bits 7:0). */
  public int opcode() {
    return u8(CDW0_OFFSET);
  }

  public Sqe opcode(int v) {
    put8(CDW0_OFFSET, v);
    return this;
  }

  /** Fused Operation (CDW0 bits 9:8). */
  public int fuse() {
    return u8(CDW0_OFFSET + 1) & 0x3;
  }

  /**
   * Sets FUSE (CDW0 bits 9:8), keeping PSDT.
   *
   * @param v 0 normal, 1 first and 2 second command of a fused operation
   * @return this view
   */
  public Sqe fuse(int v) {
    put8(CDW0_OFFSET + 1, (u8(CDW0_OFFSET + 1) & ~0x3) | (v & 0x3));
    return this;
  }

  /** PRP or SGL for Data Transfer (CDW0 bits 15:14); 0 = PRPs. */
  public int psdt() {
    return (u8(CDW0_OFFSET + 1) >>> 6) & 0x3;
  }

  /**
   * Sets PSDT (CDW0 bits 15:14), keeping FUSE.
   *
   * @param v 0 for PRPs, 1 or 2 for SGLs
   * @return this view
   */
  public Sqe psdt(int v) {
    put8(CDW0_OFFSET + 1, (u8(CDW0_OFFSET + 1) & ~0xC0) | ((v & 0x3) << 6));
    return this;
  }

  /** Command Identifier (CDW0 bits 31:16). */
  public int cid() {
    return u16(CDW0_OFFSET + 2);
  }

  public Sqe cid(int v) {
    put16(CDW0_OFFSET + 2, v);
    return this;
  }

  /** Command Dword 0 as a whole. */
  public int cdw0() {
    return i32(CDW0_OFFSET);
  }

  public Sqe cdw0(int v) {
    put32(CDW0_OFFSET, v);
    return this;
  }

  /** Namespace Identifier. */
  public int nsid() {
    return i32(NSID_OFFSET);
  }

  public Sqe nsid(int v) {
    put32(NSID_OFFSET, v);
    return this;
  }

  public int cdw2() {
    return i32(CDW2_OFFSET);
  }

  public Sqe cdw2(int v) {
    put32(CDW2_OFFSET, v);
    return this;
  }

  public int cdw3() {
    return i32(CDW3_OFFSET);
  }

  public Sqe cdw3(int v) {
    put32(CDW3_OFFSET, v);
    return this;
  }

  /** Metadata Pointer. */
  public long mptr() {
    return i64(MPTR_OFFSET);
  }

  public Sqe mptr(long v) {
    put64(MPTR_OFFSET, v);
    return this;
  }

  /** PRP Entry 1 (Data Pointer bytes 7:0). */
  public long prp1() {
    return i64(PRP1_OFFSET);
  }

  public Sqe prp1(long v) {
    put64(PRP1_OFFSET, v);
    return this;
  }

  /** PRP Entry 2 (Data Pointer bytes 15:8): a second page, or the address of a PRP list. */
  public long prp2() {
    return i64(PRP2_OFFSET);
  }

  public Sqe prp2(long v) {
    put64(PRP2_OFFSET, v);
    return this;
  }

  public int cdw10() {
    return i32(CDW10_OFFSET);
  }

  public Sqe cdw10(int v) {
    put32(CDW10_OFFSET, v);
    return this;
  }

  public int cdw11() {
    return i32(CDW11_OFFSET);
  }

  public Sqe cdw11(int v) {
    put32(CDW11_OFFSET, v);
    return this;
  }

  public int cdw12() {
    return i32(CDW12_OFFSET);
  }

  public Sqe cdw12(int v) {
    put32(CDW12_OFFSET, v);
    return this;
  }

  public int cdw13() {
    return i32(CDW13_OFFSET);
  }

  public Sqe cdw13(int v) {
    put32(CDW13_OFFSET, v);
    return this;
  }

  public int cdw14() {
    return i32(CDW14_OFFSET);
  }

  public Sqe cdw14(int v) {
    put32(CDW14_OFFSET, v);
    return this;
  }

  public int cdw15() {
    return i32(CDW15_OFFSET);
  }

  public Sqe cdw15(int v) {
    put32(CDW15_OFFSET, v);
    return this;
  }

  /** Command dword {@code n} (0..15) by index. */
  public int cdw(int n) {
    return i32(n * 4);
  }

  /** Sets command dword {@code n} (0..15) by index. */
  public Sqe cdw(int n, int v) {
    put32(n * 4, v);
    return this;
  }

  /**
   * NVM commands: Starting LBA (CDW11:CDW10) for Read, Write, Write Zeroes, Compare.
   */
  public long slba() {
    return (cdw10() & 0xFFFF_FFFFL) | ((long) cdw11() << 32);
  }

  public Sqe slba(long v) {
    cdw10((int) v);
    cdw11((int) (v >>> 32));
    return this;
  }

  @Override
  public String toString() {
    return String.format(
        "Sqe[opc=0x%02x cid=%d nsid=%d prp1=0x%x prp2=0x%x cdw10=0x%08x cdw11=0x%08x cdw12=0x%08x]",
        opcode(), cid(), nsid(), prp1(), prp2(), cdw10(), cdw11(), cdw12());
  }
}
