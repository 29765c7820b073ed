package io.jnvme.fuzz;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceInterrupt;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import io.jnvme.device.RegisterIo;
import io.jnvme.spec.Bar0;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The fuzzing transport: a {@link Device} in front of an emulated controller that lets a
 * {@link DeviceScript} decide what the driver reads back from the device.
 *
 * <ul>
 *   <li>Registers: CAP, VS and CSTS reads go through the script (fields changed, CSTS faults at
 *       chosen moments); the interrupt count too.
 *   <li>Completion queues and the admin data page are <em>shadowed</em>: the emulated controller
 *       writes into a shadow block at the same device addresses, and this transport copies each
 *       new completion queue entry into the driver's ring itself, on the driver's completion
 *       thread just before it looks (inside {@link DeviceInterrupt#await}). On the way the script
 *       may change the entry (CID, status, phase, SQ head, dword 0), drop, duplicate, hold back or
 *       replace it with garbage, and may patch the Identify and log page data an admin command
 *       returned. The driver sees only what a device could have written.
 * </ul>
 *
 * <p>The transport learns ring sizes and which admin command a completion belongs to from what
 * the driver writes (AQA, ACQ, the admin SQ tail doorbell and the submission entries), never
 * from the driver's internals.
 */
final class FuzzingDevice implements Device {
  private static final int CQE = 16;
  private static final int SQE = 64;
  private static final int OP_CREATE_IO_CQ = 0x05;
  private static final int OP_IDENTIFY = 0x06;
  private static final int OP_GET_LOG_PAGE = 0x02;

  private final Device inner;
  private final DeviceScript script;
  private final RegisterIo bar;
  private final Map<Integer, DeviceInterrupt> interrupts = new HashMap<>();

  /** Shadowed completion queues, by device address of their first page. Guarded by this. */
  private final Map<Long, CqPair> cqs = new HashMap<>();
  /** Shadowed data blocks (the admin data page). Guarded by this. */
  private final List<Shadow> data = new ArrayList<>();
  /** The admin submission ring, seen through its mapping; for reading what the driver sent. */
  private volatile MemoryBlock adminSq;
  private volatile long acqAddress;
  private volatile int adminSqEntries = 2;
  private volatile int adminCqEntries = 2;
  private int adminSqSeen;
  /** Admin commands the driver submitted, by CID: opcode, CDW10, PRP1. Guarded by this. */
  private final Map<Integer, long[]> adminCommands = new HashMap<>();

  private long cqeOrdinal;
  private long dataOrdinal;
  private final List<int[]> heldBack = new ArrayList<>();
  private volatile int cstsSticky;
  private volatile int cstsClear;
  private volatile boolean cstsAllOnes;
  private volatile int cstsReads;

  FuzzingDevice(Device inner, DeviceScript script) throws DeviceException {
    this.inner = inner;
    this.script = script;
    this.bar = new Registers(inner.mapBar(0));
  }

  /** Completion queue entries copied (or dropped) so far. */
  synchronized long completions() {
    return cqeOrdinal;
  }

  @Override
  public String id() {
    return inner.id();
  }

  @Override
  public String transport() {
    return "fuzzing";
  }

  @Override
  public RegisterIo mapBar(int b) throws DeviceException {
    if (b != 0) {
      return inner.mapBar(b);
    }
    return bar;
  }

  @Override
  public int maxInterruptCount() {
    return script.interruptCount(inner.maxInterruptCount());
  }

  @Override
  public synchronized DeviceInterrupt mapInterrupt(int vector, int cpu) throws DeviceException {
    DeviceInterrupt i = inner.mapInterrupt(vector, cpu);
    return interrupts.computeIfAbsent(vector, v -> new Interrupt(i));
  }

  @Override
  public DmaMapping mapDma(MemoryBlock block) throws DeviceException {
    String tag = block.tag();
    if (tag.endsWith("-cq") || tag.equals("admin-data")) {
      Shadow s = new Shadow(block);
      DmaMapping m = inner.mapDma(s);
      synchronized (this) {
        if (tag.endsWith("-cq")) {
          cqs.put(block.deviceAddress(0), new CqPair(block, s));
        } else {
          data.add(s);
        }
      }
      return new DmaMapping() {
        @Override
        public MemoryBlock block() {
          return block;
        }

        @Override
        public void close() {
          m.close();
          synchronized (FuzzingDevice.this) {
            cqs.remove(block.deviceAddress(0));
            data.remove(s);
          }
        }
      };
    }
    if (tag.equals("adminq-sq")) {
      adminSq = block;
    }
    return inner.mapDma(block);
  }

  @Override
  public void close() {
    inner.close();
  }

  // ------------------------------------------------------------------ completions

  /** Copies every new completion from the shadows to the driver's rings. */
  synchronized int transferAll() {
    int n = 0;
    for (CqPair p : new ArrayList<>(cqs.values())) {
      n += transfer(p);
    }
    return n;
  }

  private int transfer(CqPair p) {
    int entries = p.entries();
    if (entries < 2) {
      return 0;
    }
    int n = 0;
    while (true) {
      long off = (long) p.shadowHead * CQE;
      if (off + CQE > p.shadow.size()) {
        return n;
      }
      int dw3 = p.shadow.getIntAcquire(off + 12);
      if (((dw3 >>> 16) & 1) != (p.shadowPhase ? 1 : 0)) {
        return n;
      }
      int[] e = {p.shadow.getInt(off), p.shadow.getInt(off + 4), p.shadow.getInt(off + 8), dw3};
      if (++p.shadowHead >= entries) {
        p.shadowHead = 0;
        p.shadowPhase = !p.shadowPhase;
      }
      n++;
      boolean admin = p.real.deviceAddress(0) == acqAddress;
      if (admin) {
        adminCompletion(e);
      }
      long ordinal = cqeOrdinal++;
      int csts = script.cstsAfterCompletion(ordinal);
      if (csts == DeviceScript.CSTS_ALL_ONES) {
        cstsAllOnes = true;
      } else if (csts != 0) {
        cstsSticky |= csts & ~DeviceScript.CSTS_CLEAR_READY;
        cstsClear |= csts & DeviceScript.CSTS_CLEAR_READY;
      }
      DeviceScript.CqeFault f = script.cqeFault(ordinal);
      switch (f == null ? DeviceScript.CqeFault.Kind.NONE : f.kind()) {
        case NONE -> put(p, e, true);
        case CID -> put(p, withCid(e, f.value()), true);
        case CID_BIT -> put(p, withCid(e, (e[3] & 0xFFFF) ^ (1 << (f.value() & 15))), true);
        case STATUS -> {
          e[3] = (e[3] & 0x1FFFF) | (f.value() << 17);
          put(p, e, true);
        }
        case SQ_HEAD -> {
          e[2] = (e[2] & 0xFFFF0000) | (f.value() & 0xFFFF);
          put(p, e, true);
        }
        case DW0 -> {
          e[0] = f.value();
          put(p, e, true);
        }
        case DROP -> { }
        case DUPLICATE -> {
          put(p, e, true);
          put(p, e.clone(), true);
        }
        case WRONG_PHASE -> put(p, e, false);
        case GARBAGE -> put(p, new int[] {f.value(), ~f.value(), f.value() * 31, f.value() ^ 0x5A5A5A5A},
            true);
        case HOLD_BACK -> heldBack.add(e);
      }
      if (f == null || f.kind() != DeviceScript.CqeFault.Kind.HOLD_BACK) {
        // Entries held back earlier come after this one: out of order, as a device may.
        for (int[] h : heldBack) {
          put(p, h, true);
        }
        heldBack.clear();
      }
    }
  }

  private static int[] withCid(int[] e, int cid) {
    e[3] = (e[3] & 0xFFFF0000) | (cid & 0xFFFF);
    return e;
  }

  /** Writes one entry at the driver's ring tail, the phase dword last. */
  private static void put(CqPair p, int[] e, boolean rightPhase) {
    long off = (long) p.realTail * CQE;
    if (off + CQE > p.real.size()) {
      return;
    }
    boolean phase = rightPhase ? p.realPhase : !p.realPhase;
    p.real.putInt(off, e[0]);
    p.real.putInt(off + 4, e[1]);
    p.real.putInt(off + 8, e[2]);
    p.real.putIntRelease(off + 12, (e[3] & ~(1 << 16)) | (phase ? 1 << 16 : 0));
    if (++p.realTail >= p.entries()) {
      p.realTail = 0;
      p.realPhase = !p.realPhase;
    }
  }

  /** Learns ring sizes from Create I/O CQ, and hands data-carrying completions their data. */
  private void adminCompletion(int[] e) {
    int cid = e[3] & 0xFFFF;
    long[] cmd = adminCommands.remove(cid);
    if (cmd == null) {
      return;
    }
    int opcode = (int) cmd[0];
    int cdw10 = (int) cmd[1];
    long prp1 = cmd[2];
    int status = (e[3] >>> 17) & 0x7FF;
    if (opcode == OP_CREATE_IO_CQ && status == 0) {
      CqPair p = cqs.get(prp1);
      if (p != null) {
        p.entries = (cdw10 >>> 16) + 1;
      }
    } else if (opcode == OP_IDENTIFY || opcode == OP_GET_LOG_PAGE) {
      for (Shadow s : data) {
        long base = s.real.deviceAddress(0);
        if (prp1 >= base && prp1 < base + s.real.size()) {
          ByteBuffer src = s.buffer().duplicate();
          s.real.copyFrom(src, 0);
          int kind = opcode == OP_IDENTIFY ? DeviceScript.identifyKind(cdw10 & 0xFF)
              : DeviceScript.logKind(cdw10 & 0xFF);
          script.patch(kind, dataOrdinal++, s.real, (int) (prp1 - base));
        }
      }
    }
  }

  /** Reads the admin submission entries between the last seen tail and {@code tail}. */
  private synchronized void recordAdminSubmissions(int tail) {
    MemoryBlock sq = adminSq;
    int n = adminSqEntries;
    if (sq == null || n < 2) {
      return;
    }
    int t = Math.floorMod(tail, n);
    for (int guard = 0; adminSqSeen != t && guard < n; guard++) {
      long off = (long) adminSqSeen * SQE;
      if (off + SQE <= sq.size()) {
        int dw0 = sq.getInt(off);
        int cid = dw0 >>> 16;
        adminCommands.put(cid, new long[] {dw0 & 0xFF, sq.getInt(off + 40) & 0xFFFFFFFFL,
            sq.getLong(off + 24)});
      }
      adminSqSeen = (adminSqSeen + 1) % n;
    }
  }

  private final class CqPair {
    final MemoryBlock real;
    final Shadow shadow;
    int entries;
    int shadowHead;
    boolean shadowPhase = true;
    int realTail;
    boolean realPhase = true;

    CqPair(MemoryBlock real, Shadow shadow) {
      this.real = real;
      this.shadow = shadow;
    }

    int entries() {
      if (real.deviceAddress(0) == acqAddress) {
        return adminCqEntries;
      }
      return entries;
    }
  }

  /** A block at the same device addresses as the driver's, that only the device writes. */
  private static final class Shadow implements MemoryBlock {
    final MemoryBlock real;
    private final ByteBuffer buffer;

    Shadow(MemoryBlock real) {
      this.real = real;
      this.buffer = ByteBuffer.allocateDirect((int) real.size()).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public ByteBuffer buffer() {
      return buffer;
    }

    @Override
    public long size() {
      return real.size();
    }

    @Override
    public long deviceAddress(int page) {
      return real.deviceAddress(page);
    }

    @Override
    public boolean persistent() {
      return real.persistent();
    }

    @Override
    public String tag() {
      return real.tag();
    }

    @Override
    public String allocatorName() {
      return real.allocatorName();
    }

    @Override
    public void close() {
    }
  }

  // ------------------------------------------------------------------ interrupts and registers

  /** The driver's completion thread waits here: hand it what the device completed first. */
  private final class Interrupt implements DeviceInterrupt {
    private final DeviceInterrupt inner;

    Interrupt(DeviceInterrupt inner) {
      this.inner = inner;
    }

    @Override
    public int vector() {
      return inner.vector();
    }

    @Override
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
      if (transferAll() > 0) {
        return true;
      }
      boolean fired = inner.await(timeout, unit);
      return transferAll() > 0 || fired;
    }

    @Override
    public void wake() {
      inner.wake();
    }
  }

  private final class Registers implements RegisterIo {
    private final RegisterIo inner;

    Registers(RegisterIo inner) {
      this.inner = inner;
    }

    @Override
    public long length() {
      return inner.length();
    }

    @Override
    public int read32(long offset) {
      if (cstsAllOnes) {
        return -1;
      }
      int v = inner.read32(offset);
      if (offset == Bar0.CSTS) {
        return script.csts(cstsReads++, (v | cstsSticky) & ~cstsClear);
      }
      if (offset == Bar0.VS) {
        return script.vs(v);
      }
      if (offset == Bar0.CAP) {
        return (int) script.cap(inner.read64(Bar0.CAP));
      }
      return v;
    }

    @Override
    public long read64(long offset) {
      if (cstsAllOnes) {
        return -1L;
      }
      if (offset == Bar0.CAP) {
        return script.cap(inner.read64(offset));
      }
      return inner.read64(offset);
    }

    @Override
    public void write32(long offset, int value) {
      if (offset == Bar0.AQA) {
        adminSqEntries = (value & 0xFFF) + 1;
        adminCqEntries = ((value >>> 16) & 0xFFF) + 1;
      } else if (offset == Bar0.sqTailDoorbell(0, 0)) {
        recordAdminSubmissions(value);
      }
      inner.write32(offset, value);
    }

    @Override
    public void write64(long offset, long value) {
      if (offset == Bar0.ACQ) {
        acqAddress = value;
      }
      inner.write64(offset, value);
    }
  }
}
