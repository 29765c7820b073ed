package io.jnvme.driver.internal;

import io.jnvme.device.RegisterIo;
import io.jnvme.spec.Bar0;
import io.jnvme.spec.Cap;
import io.jnvme.spec.Cc;
import io.jnvme.spec.Csts;

/** BAR0 of one controller: typed register access and doorbell offsets. */
final class Registers {
  private final RegisterIo io;
  private final Cap cap;

  Registers(RegisterIo io) {
    this.io = io;
    this.cap = new Cap(io.read64(Bar0.CAP));
  }

  /** CAP as read at construction; it does not change while the controller lives. */
  Cap cap() {
    return cap;
  }

  /** CAP read again (a device that vanished reads all ones). */
  Cap readCap() {
    return new Cap(io.read64(Bar0.CAP));
  }

  int vs() {
    return io.read32(Bar0.VS);
  }

  Csts csts() {
    return new Csts(io.read32(Bar0.CSTS));
  }

  Cc cc() {
    return new Cc(io.read32(Bar0.CC));
  }

  void cc(Cc cc) {
    io.write32(Bar0.CC, cc.raw());
  }

  void aqa(int raw) {
    io.write32(Bar0.AQA, raw);
  }

  void asq(long address) {
    io.write64(Bar0.ASQ, address);
  }

  void acq(long address) {
    io.write64(Bar0.ACQ, address);
  }

  int sqTailDoorbell(int qid) {
    return Bar0.sqTailDoorbell(qid, cap.dstrd());
  }

  int cqHeadDoorbell(int qid) {
    return Bar0.cqHeadDoorbell(qid, cap.dstrd());
  }

  /** Writes a doorbell. The caller has ordered its queue-memory writes before this call. */
  void doorbell(int offset, int value) {
    io.write32(offset, value);
  }
}
