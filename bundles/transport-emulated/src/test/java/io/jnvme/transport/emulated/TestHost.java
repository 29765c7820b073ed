package io.jnvme.transport.emulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceInterrupt;
import io.jnvme.device.DirectMemory;
import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaException;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import io.jnvme.device.RegisterIo;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.Aqa;
import io.jnvme.spec.Bar0;
import io.jnvme.spec.Cap;
import io.jnvme.spec.Cc;
import io.jnvme.spec.Cqe;
import io.jnvme.spec.Csts;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Sqe;
import io.jnvme.spec.Status;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A minimal host for the tests: allocates queues in {@link DirectMemory}, enables the controller,
 * submits commands and collects completions through the {@link Device} SPI only, the way a driver
 * does. Single threaded; not a driver (no error recovery).
 */
final class TestHost implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** A completion as read from a CQ. */
  record Completion(int cid, Status status, int dw0, int sqhd, int sqid) {
    void assertSuccess() {
      assertTrue(status.isSuccess(), "completion cid=" + cid + " status=" + status);
    }

    void assertStatus(Status expected) {
      assertTrue(status.is(expected), "expected " + expected + " but got " + status);
    }
  }

  /** One queue pair as the host sees it. */
  final class Queue {
    final int qid;
    final int entries;
    final MemoryBlock sq;
    final MemoryBlock cq;
    final DeviceInterrupt irq;
    int sqTail;
    int cqHead;
    boolean phase = true;
    int nextCid;

    Queue(int qid, int entries, int vector) throws Exception {
      this.qid = qid;
      this.entries = entries;
      this.sq = alloc((long) entries * Sqe.SIZE);
      this.cq = alloc((long) entries * Cqe.SIZE);
      this.irq = device.mapInterrupt(vector, 0);
    }

    /** Writes a command to the SQ (zeroed, CID set) without ringing the doorbell. */
    int put(Consumer<Sqe> fill) {
      int cid = nextCid++ & 0xFFFF;
      Sqe s = new Sqe().wrap(sq.buffer(), sqTail * Sqe.SIZE);
      s.clear();
      fill.accept(s);
      s.cid(cid);
      sqTail = (sqTail + 1) % entries;
      return cid;
    }

    /** Rings the SQ tail doorbell. */
    void ring() {
      MemoryBlock.releaseFence();
      regs.write32(Bar0.sqTailDoorbell(qid, dstrd), sqTail);
    }

    int submit(Consumer<Sqe> fill) {
      int cid = put(fill);
      ring();
      return cid;
    }

    /** The next completion if the controller posted one, without consuming it. */
    Optional<Completion> peek() {
      long at = (long) cqHead * Cqe.SIZE;
      int dw3 = cq.getIntAcquire(at + Cqe.DW3_OFFSET);
      boolean p = ((dw3 >>> 16) & 1) != 0;
      if (p != phase) {
        return Optional.empty();
      }
      int dw2 = cq.getInt(at + Cqe.SQHD_OFFSET);
      return Optional.of(new Completion(dw3 & 0xFFFF, new Status(dw3 >>> 17),
          cq.getInt(at + Cqe.DW0_OFFSET), dw2 & 0xFFFF, dw2 >>> 16));
    }

    /** Consumes the next completion if there is one, and writes the CQ head doorbell. */
    Optional<Completion> poll() {
      Optional<Completion> c = peek();
      if (c.isPresent()) {
        advance();
        regs.write32(Bar0.cqHeadDoorbell(qid, dstrd), cqHead);
      }
      return c;
    }

    /** Consumes a completion without writing the doorbell. */
    Optional<Completion> pollNoDoorbell() {
      Optional<Completion> c = peek();
      c.ifPresent(x -> advance());
      return c;
    }

    void headDoorbell() {
      regs.write32(Bar0.cqHeadDoorbell(qid, dstrd), cqHead);
    }

    private void advance() {
      if (++cqHead == entries) {
        cqHead = 0;
        phase = !phase;
      }
    }

    /** Waits for the next completion, sleeping on the interrupt. */
    Completion await(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        Optional<Completion> c = poll();
        if (c.isPresent()) {
          return c.get();
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          fail("qid=" + qid + ": no completion within " + timeout);
        }
        irq.await(left, TimeUnit.NANOSECONDS);
      }
    }

    Completion await() throws InterruptedException {
      return await(TIMEOUT);
    }

    /** Waits for {@code timeout} and asserts that no completion arrived. */
    void assertNoCompletion(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        Optional<Completion> c = peek();
        if (c.isPresent()) {
          fail("qid=" + qid + ": unexpected completion " + c.get());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        irq.await(left, TimeUnit.NANOSECONDS);
      }
    }

    /** Submits and waits for the completion of that command. */
    Completion execute(Consumer<Sqe> fill) throws InterruptedException {
      int cid = submit(fill);
      Completion c = await();
      assertEquals(cid, c.cid(), "completion of another command: " + c);
      return c;
    }
  }

  final EmulatedController ctrl;
  final Device device;
  final RegisterIo regs;
  final DmaClient dma;
  final Cap cap;
  final int dstrd;
  private final List<DmaMapping> mappings = new ArrayList<>();
  private final List<MemoryBlock> blocks = new ArrayList<>();
  final Map<Integer, Queue> io = new HashMap<>();
  Queue admin;

  TestHost(EmulatedController ctrl) throws DeviceException {
    this.ctrl = ctrl;
    this.device = ctrl.device();
    this.regs = device.mapBar(0);
    this.dma = new DirectMemory().clientFor(device.id());
    this.cap = new Cap(regs.read64(Bar0.CAP));
    this.dstrd = cap.dstrd();
  }

  /** A host on a controller already enabled, with its admin queues. */
  static TestHost enabled(EmulatedController ctrl) throws Exception {
    TestHost h = new TestHost(ctrl);
    h.enable(32);
    return h;
  }

  MemoryBlock alloc(long size) throws DmaException, DeviceException {
    MemoryBlock b = dma.allocate(size, "test");
    blocks.add(b);
    mappings.add(device.mapDma(b));
    return b;
  }

  /** Allocates a block without mapping it for the device. */
  MemoryBlock allocUnmapped(long size) throws DmaException {
    MemoryBlock b = dma.allocate(size, "test-unmapped");
    blocks.add(b);
    return b;
  }

  static Cc defaultCc() {
    return new Cc(0).withIosqes(Sqe.SIZE_LOG2).withIocqes(Cqe.SIZE_LOG2);
  }

  /** Programs the admin queues and CC without waiting. */
  void startEnable(int entries, Cc cc) throws Exception {
    admin = new Queue(0, entries, 0);
    regs.write32(Bar0.AQA, Aqa.of(entries, entries).raw());
    regs.write64(Bar0.ASQ, admin.sq.deviceAddress(0));
    regs.write64(Bar0.ACQ, admin.cq.deviceAddress(0));
    regs.write32(Bar0.CC, cc.withEn(true).raw());
  }

  void enable(int entries) throws Exception {
    startEnable(entries, defaultCc());
    awaitCondition(() -> csts().rdy(), "CSTS.RDY");
  }

  Csts csts() {
    return new Csts(regs.read32(Bar0.CSTS));
  }

  /** Clears CC.EN and waits for RDY to clear. */
  void disable() {
    Cc cc = new Cc(regs.read32(Bar0.CC));
    regs.write32(Bar0.CC, cc.withEn(false).raw());
    awaitCondition(() -> !csts().rdy(), "CSTS.RDY cleared");
    io.clear();
  }

  /** Polls a condition the controller changes on its own thread, up to the timeout. */
  static void awaitCondition(BooleanSupplier c, String what) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!c.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("condition not met within " + TIMEOUT + ": " + what);
      }
      LockSupport.parkNanos(100_000);
    }
  }

  // ---- admin command helpers ----

  Completion identify(int cns, int nsid, MemoryBlock buf) throws InterruptedException {
    return admin.execute(s -> s.opcode(AdminOpcode.IDENTIFY.raw()).nsid(nsid)
        .prp1(buf.deviceAddress(0)).prp2(buf.pageCount() > 1 ? buf.deviceAddress(1) : 0)
        .cdw10(cns));
  }

  Completion setFeature(int fid, int cdw11) throws InterruptedException {
    return admin.execute(s -> s.opcode(AdminOpcode.SET_FEATURES.raw()).cdw10(fid).cdw11(cdw11));
  }

  Completion getFeature(int fid, int sel, int cdw11) throws InterruptedException {
    return admin.execute(
        s -> s.opcode(AdminOpcode.GET_FEATURES.raw()).cdw10(fid | (sel << 8)).cdw11(cdw11));
  }

  /** Get Log Page of {@code bytes} (a multiple of 4) into {@code buf}. */
  Completion getLogPage(int lid, int nsid, boolean rae, int bytes, MemoryBlock buf)
      throws InterruptedException {
    int numd = bytes / 4 - 1;
    return admin.execute(s -> s.opcode(AdminOpcode.GET_LOG_PAGE.raw()).nsid(nsid)
        .prp1(buf.deviceAddress(0)).prp2(buf.pageCount() > 1 ? buf.deviceAddress(1) : 0)
        .cdw10(lid | (rae ? 1 << 15 : 0) | ((numd & 0xFFFF) << 16)).cdw11(numd >>> 16));
  }

  Completion createCq(int qid, int entries, MemoryBlock mem, int vector, boolean ien)
      throws InterruptedException {
    return admin.execute(s -> s.opcode(AdminOpcode.CREATE_IO_CQ.raw()).prp1(mem.deviceAddress(0))
        .cdw10(qid | ((entries - 1) << 16)).cdw11(1 | (ien ? 2 : 0) | (vector << 16)));
  }

  Completion createSq(int qid, int entries, MemoryBlock mem, int cqid)
      throws InterruptedException {
    return admin.execute(s -> s.opcode(AdminOpcode.CREATE_IO_SQ.raw()).prp1(mem.deviceAddress(0))
        .cdw10(qid | ((entries - 1) << 16)).cdw11(1 | (cqid << 16)));
  }

  /** Creates I/O queue pair {@code qid} (CQ and SQ with the same id) on vector {@code vector}. */
  Queue createIoQueue(int qid, int entries, int vector) throws Exception {
    Queue q = new Queue(qid, entries, vector);
    createCq(qid, entries, q.cq, vector, true).assertSuccess();
    createSq(qid, entries, q.sq, qid).assertSuccess();
    io.put(qid, q);
    return q;
  }

  // ---- I/O helpers ----

  /** Read or write {@code nlb} blocks at {@code slba} with PRP1/PRP2 as given. */
  static Consumer<Sqe> rw(NvmOpcode op, int nsid, long slba, int nlb, long prp1, long prp2) {
    return s -> s.opcode(op.raw()).nsid(nsid).slba(slba).cdw12(nlb - 1).prp1(prp1).prp2(prp2);
  }

  /**
   * Builds the PRPs of a transfer of {@code length} bytes at offset {@code offset} of
   * {@code data}, with PRP list pages taken from {@code lists} (chained when one fills).
   *
   * @return {prp1, prp2}
   */
  static long[] prps(MemoryBlock data, int offset, long length, MemoryBlock lists) {
    long prp1 = data.deviceAddressOf(offset);
    long first = Math.min(length, MemoryBlock.PAGE_SIZE - (offset & (MemoryBlock.PAGE_SIZE - 1)));
    long remaining = length - first;
    if (remaining == 0) {
      return new long[] {prp1, 0};
    }
    long nextOffset = offset + first;
    if (remaining <= MemoryBlock.PAGE_SIZE) {
      return new long[] {prp1, data.deviceAddressOf(nextOffset)};
    }
    int pages = (int) ((remaining + MemoryBlock.PAGE_SIZE - 1) / MemoryBlock.PAGE_SIZE);
    int listPage = 0;
    int slot = 0;
    for (int i = 0; i < pages; i++) {
      boolean moreAfter = i < pages - 1;
      if (slot == 511 && moreAfter) {
        lists.putLong((long) listPage * MemoryBlock.PAGE_SIZE + 511 * 8,
            lists.deviceAddress(listPage + 1));
        listPage++;
        slot = 0;
      }
      lists.putLong((long) listPage * MemoryBlock.PAGE_SIZE + slot * 8L,
          data.deviceAddressOf(nextOffset + (long) i * MemoryBlock.PAGE_SIZE));
      slot++;
    }
    return new long[] {prp1, lists.deviceAddress(0)};
  }

  static void fill(MemoryBlock b, long offset, int length, long seed) {
    Random r = new Random(seed);
    byte[] bytes = new byte[length];
    r.nextBytes(bytes);
    b.copyFrom(ByteBuffer.wrap(bytes), offset);
  }

  static byte[] bytes(MemoryBlock b, long offset, int length) {
    byte[] out = new byte[length];
    b.copyTo(offset, ByteBuffer.wrap(out));
    return out;
  }

  static ByteBuffer le(MemoryBlock b) {
    return b.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public void close() {
    for (DmaMapping m : mappings) {
      m.close();
    }
    for (MemoryBlock b : blocks) {
      b.close();
    }
  }
}
