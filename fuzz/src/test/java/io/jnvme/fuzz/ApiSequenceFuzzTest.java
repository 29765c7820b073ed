package io.jnvme.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.IoCompletion;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.driver.savestate.SavedStateCodec;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Fuzzes sequences of driver API calls on a well-behaved emulated controller with keepalive on the
 * real page pool: open, close, read, write (FUA), flush, deallocate, write zeroes, batches of
 * asynchronous reads and writes on any CPU slot, save and resume, full servicing (save, encode,
 * release, decode, restore) with commands in flight, namespace resize and removal, and requests
 * the driver must refuse. Every read is checked against a shadow of the acknowledged writes, and
 * the whole namespaces are read back at the end; {@link Contract} holds throughout.
 *
 * <p>Committed inputs: {@code src/test/resources/io/jnvme/fuzz/ApiSequenceFuzzTestInputs/}.
 */
class ApiSequenceFuzzTest {
  private static final long NS_MAX = 4L << 20;
  private static final int BUFFER = 1 << 20;
  private static final int SLOT = 128 * 1024;

  enum Op { OPEN, CLOSE, WRITE, READ, FLUSH, DEALLOCATE, ZEROES, ASYNC, SAVE_RESUME, SERVICE,
    ASYNC_SERVICE, RESIZE, REMOVE_ADD, INVALID, STALE_BUFFER }

  private record Step(Op op, int nsid, int a, int b, int c) {}

  /** A pool per run: a run's leftovers (see docs/FAULTS.md) never reach the next one. */
  private static PagePool newPool() throws Exception {
    Path file = Files.createTempFile("jnvme-fuzz-pool", ".pool");
    Files.delete(file);
    file.toFile().deleteOnExit();
    return PagePool.open(file, 128L << 20, 0x50_0000_0000L);
  }

  /** One run: the driver under test, its namespaces' shadows, open handles. */
  private static final class Run {
    final EmulatedController emu;
    final ControllerOptions options;
    final PagePool pool;
    NvmeController ctrl;
    MemoryBlock buf;
    final Map<Integer, NamespaceHandle> handles = new HashMap<>();
    final Map<Integer, Shadow> shadows = new HashMap<>();
    long ops;

    Run(EmulatedController emu, ControllerOptions options, PagePool pool) {
      this.emu = emu;
      this.options = options;
      this.pool = pool;
    }
  }

  @FuzzTest
  void apiSequences(FuzzedDataProvider in) throws Exception {
    List<Step> steps = new ArrayList<>();
    int n = in.consumeInt(0, 24);
    Op[] ops = Op.values();
    for (int i = 0; i < n; i++) {
      steps.add(new Step(ops[in.consumeInt(0, ops.length - 1)], in.consumeInt(1, 3),
          in.consumeInt(), in.consumeInt(), in.consumeInt()));
    }
    String name = Contract.uniqueName("fzapi");
    EmulatedController emu = EmulatedController.builder(name)
        .capTimeout(4)
        .interruptVectors(4)
        .commandLogCapacity(0)
        .namespace(1, EmulatedNamespace.memory(2L << 20, 512))
        .namespace(2, EmulatedNamespace.memory(1L << 20, 4096))
        .build();
    ControllerOptions options = ControllerOptions.defaults(name)
        .withCpuCount(4)
        .withIoQueueEntries(32)
        .withKeepalive(true)
        .withCommandTimeout(Duration.ofSeconds(10))
        .withHealthCheckInterval(Duration.ofMillis(20));
    Run r = new Run(emu, options, newPool());
    r.shadows.put(1, new Shadow(NS_MAX, 512));
    r.shadows.put(2, new Shadow(NS_MAX, 4096));
    try {
      r.ctrl = new DriverFactory().start(emu.device(), r.pool.clientFor(emu.device().id()),
          options);
      r.buf = r.ctrl.allocateBuffer(BUFFER);
      for (Step s : steps) {
        if (Boolean.getBoolean("fuzz.trace")) {
          System.out.println("step " + r.ops + ": " + s);
        }
        step(r, s);
        r.ops++;
      }
      verifyAll(r);
    } finally {
      if (r.ctrl != null) {
        r.ctrl.close();
        Contract.checkController(r.ctrl);
        if (Boolean.getBoolean("fuzz.trace")) {
          System.out.println("pool after close: "
              + r.pool.validate().attachedFor(emu.device().id()));
        }
      }
      emu.close();
      r.pool.close();
      Files.deleteIfExists(r.pool.file());
    }
    Contract.checkThreadsGone(Duration.ofSeconds(5), name + "-", "emu-" + name);
    Contract.checkUncaught();
  }

  private static int blocks(NamespaceHandle h, int fuzz, int limitBytes) {
    int max = Math.max(1, Math.min(h.maxTransferBlocks(), limitBytes / h.blockSize()));
    return 1 + Math.floorMod(fuzz, max);
  }

  private static long lba(NamespaceHandle h, int fuzz, int blocks) {
    long count = h.blockCount();
    return count <= blocks ? 0 : Math.floorMod((long) fuzz, count - blocks + 1);
  }

  private static void fill(MemoryBlock buf, long offset, int bytes, long seed) {
    byte[] b = new byte[bytes];
    new Random(seed).nextBytes(b);
    buf.copyFrom(ByteBuffer.wrap(b), offset);
  }

  private static void step(Run r, Step s) throws Exception {
    NamespaceHandle h = r.handles.get(s.nsid);
    Shadow shadow = r.shadows.get(s.nsid);
    switch (s.op) {
      case OPEN -> {
        NamespaceHandle opened = Contract.call("open", () -> r.ctrl.open(s.nsid, "fuzz"));
        if (opened != null && r.handles.put(s.nsid, opened) != null) {
          throw new AssertionError("a second handle opened for nsid " + s.nsid);
        }
        if (opened == null && h == null && s.nsid != 3
            && r.emu.namespaceIds().contains(s.nsid)) {
          throw new AssertionError("an attached namespace with no handle did not open");
        }
      }
      case CLOSE -> {
        if (h != null) {
          h.close();
          r.handles.remove(s.nsid);
        }
      }
      case WRITE -> {
        if (h == null) {
          return;
        }
        int blocks = blocks(h, s.b, SLOT);
        long lba = lba(h, s.a, blocks);
        fill(r.buf, 0, blocks * h.blockSize(), s.c);
        if (Contract.run("write", () -> h.write(lba, blocks, r.buf, 0, (s.c & 1) != 0))) {
          shadow.write(lba, blocks, r.buf, 0);
        } else {
          shadow.forget(lba, blocks);
        }
      }
      case READ -> {
        if (h == null) {
          return;
        }
        int blocks = blocks(h, s.b, SLOT);
        long lba = lba(h, s.a, blocks);
        if (Contract.run("read", () -> h.read(lba, blocks, r.buf, 0))) {
          check(shadow.verify(lba, blocks, r.buf, 0, null));
        }
      }
      case FLUSH -> {
        if (h != null) {
          Contract.run("flush", h::flush);
        }
      }
      case DEALLOCATE, ZEROES -> {
        if (h == null) {
          return;
        }
        int blocks = blocks(h, s.b, s.op == Op.ZEROES ? 65536 * 512 : Integer.MAX_VALUE);
        long lba = lba(h, s.a, blocks);
        boolean ok = s.op == Op.ZEROES
            ? Contract.run("writeZeroes", () -> h.writeZeroes(lba, blocks))
            : Contract.run("deallocate", () -> h.deallocate(lba, blocks));
        if (ok) {
          shadow.zero(lba, blocks);
        } else {
          shadow.forget(lba, blocks);
        }
      }
      case ASYNC -> asyncBatch(r, s, false);
      case ASYNC_SERVICE -> asyncBatch(r, s, true);
      case SAVE_RESUME -> {
        ControllerSavedState st = Contract.call("save", r.ctrl::save);
        if (st == null) {
          throw new AssertionError("save failed on a healthy controller");
        }
        r.ctrl.resumeAfterSave();
      }
      case SERVICE -> service(r);
      case RESIZE -> {
        long size = Math.min(NS_MAX, r.emu.namespace(s.nsid)
            .map(EmulatedNamespace::sizeBytes).orElse(0L) + (1L << 20));
        if (size > 0 && r.emu.namespace(s.nsid).isPresent()) {
          // Grows only: the new blocks read as zeros, as the shadow has them.
          r.emu.resizeNamespace(s.nsid, size);
        }
      }
      case REMOVE_ADD -> {
        if (r.emu.namespace(s.nsid).isEmpty()) {
          return;
        }
        EmulatedNamespace ns = r.emu.removeNamespace(s.nsid);
        if (h != null) {
          // Until the driver has seen the removal, I/O reaches the device and fails there; after,
          // the handle refuses it. Either way a typed error.
          if (Contract.run("read after removal", () -> h.read(0, 1, r.buf, 0))) {
            throw new AssertionError("a read of a removed namespace succeeded");
          }
          h.close();
          r.handles.remove(s.nsid);
        }
        r.emu.addNamespace(s.nsid, ns);
      }
      case INVALID -> invalid(r, s, h);
      case STALE_BUFFER -> {
        if (h == null) {
          return;
        }
        MemoryBlock b = Contract.call("allocateBuffer", () -> r.ctrl.allocateBuffer(4096));
        if (b == null) {
          return;
        }
        b.close();
        if (Contract.run("read into a closed buffer", () -> h.read(0, 1, b, 0))) {
          throw new AssertionError("a read into a closed buffer was accepted");
        }
      }
    }
  }

  private static void check(String mismatch) {
    if (mismatch != null) {
      throw new AssertionError("data integrity: " + mismatch);
    }
  }

  /** Requests the driver must refuse with a typed error, changing nothing. */
  private static void invalid(Run r, Step s, NamespaceHandle h) {
    if (h == null) {
      Contract.call("open nsid 0", () -> r.ctrl.open(0, "x"));
      return;
    }
    long count = h.blockCount();
    int bad = Math.floorMod(s.a, 6);
    boolean accepted = switch (bad) {
      case 0 -> Contract.run("read past the end", () -> h.read(count, 1, r.buf, 0));
      case 1 -> Contract.run("zero blocks", () -> h.read(0, 0, r.buf, 0));
      case 2 -> Contract.run("over the transfer limit",
          () -> h.read(0, h.maxTransferBlocks() + 1, r.buf, 0));
      case 3 -> Contract.run("buffer overrun", () -> h.read(0, 2, r.buf, BUFFER - h.blockSize()));
      case 4 -> Contract.run("negative lba", () -> h.write(-1 - (s.b & 0xFF), 1, r.buf, 0, false));
      default -> Contract.call("duplicate open", () -> r.ctrl.open(h.nsid(), "other")) != null;
    };
    if (accepted) {
      throw new AssertionError("invalid request " + bad + " was accepted");
    }
  }

  /** Up to 8 asynchronous reads and writes on random CPU slots, optionally serviced in flight. */
  private static void asyncBatch(Run r, Step s, boolean serviceInFlight) throws Exception {
    NamespaceHandle h = r.handles.get(s.nsid);
    if (h == null) {
      return;
    }
    Shadow shadow = r.shadows.get(s.nsid);
    // Servicing in flight replaces buf; these commands keep using this one.
    MemoryBlock buf = r.buf;
    Random rnd = new Random(s.a ^ ((long) s.b << 32));
    int k = 1 + Math.floorMod(s.c, 8);
    long[] lbas = new long[k];
    int[] counts = new int[k];
    boolean[] writes = new boolean[k];
    byte[][] written = new byte[k][];
    byte[][] readBack = new byte[k][];
    BitSet writtenOnce = new BitSet();
    BitSet overlapped = new BitSet();
    for (int i = 0; i < k; i++) {
      counts[i] = blocks(h, rnd.nextInt(), SLOT);
      lbas[i] = lba(h, rnd.nextInt(Integer.MAX_VALUE), counts[i]);
      writes[i] = rnd.nextBoolean();
      if (writes[i]) {
        BitSet range = new BitSet();
        range.set((int) lbas[i], (int) lbas[i] + counts[i]);
        BitSet both = (BitSet) writtenOnce.clone();
        both.and(range);
        overlapped.or(both);
        writtenOnce.or(range);
        fill(buf, (long) i * SLOT, counts[i] * h.blockSize(), rnd.nextLong());
        // What the write carries, kept now: the buffer belongs to the driver that is serviced.
        written[i] = new byte[counts[i] * h.blockSize()];
        buf.copyTo((long) i * SLOT, ByteBuffer.wrap(written[i]));
      }
    }
    CountDownLatch done = new CountDownLatch(k);
    AtomicReferenceArray<Object> results = new AtomicReferenceArray<>(k);
    for (int i = 0; i < k; i++) {
      int index = i;
      boolean isWrite = writes[i];
      int bytes = counts[i] * h.blockSize();
      IoCompletion c = (ctx, e) -> {
        if (e == null && !isWrite) {
          // The data a read returned, taken when it completes, as its caller would.
          readBack[index] = new byte[bytes];
          buf.copyTo((long) index * SLOT, ByteBuffer.wrap(readBack[index]));
        }
        if (!results.compareAndSet(index, null, e == null ? "ok" : e)) {
          results.set(index, new AssertionError("completion called twice"));
        }
        done.countDown();
      };
      int cpu = rnd.nextInt(5) - 1;
      if (writes[i]) {
        h.submitWrite(cpu, lbas[i], counts[i], buf, (long) i * SLOT, rnd.nextBoolean(), c, i);
      } else {
        h.submitRead(cpu, lbas[i], counts[i], buf, (long) i * SLOT, c, i);
      }
    }
    if (serviceInFlight) {
      service(r);
    }
    if (!done.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("asynchronous commands never completed: " + done.getCount());
    }
    for (int i = 0; i < k; i++) {
      Object res = results.get(i);
      if (Boolean.getBoolean("fuzz.trace")) {
        System.out.println("  async " + i + (writes[i] ? " write" : " read") + " lba=" + lbas[i]
            + " blocks=" + counts[i] + " -> " + res);
      }
      if (res instanceof AssertionError a) {
        throw a;
      }
      if (res instanceof NvmeException e) {
        Contract.checkTyped("async", e);
        // A command whose driver was replaced before it was even submitted fails typed; nothing
        // else may fail on a healthy device.
        if (!(e instanceof ControllerFailedException)) {
          throw new AssertionError("async command " + i + " failed on a healthy device", e);
        }
        if (writes[i]) {
          shadow.forget(lbas[i], counts[i]);
        }
      } else if (writes[i]) {
        BitSet range = new BitSet();
        range.set((int) lbas[i], (int) lbas[i] + counts[i]);
        range.and(overlapped);
        shadow.write(lbas[i], counts[i], written[i]);
        range.stream().forEach(b -> shadow.forget(b, 1));
      }
    }
    for (int i = 0; i < k; i++) {
      if (!writes[i] && "ok".equals(results.get(i))) {
        check(shadow.verify(lbas[i], counts[i], readBack[i], writtenOnce));
      }
    }
  }

  /** Keepalive servicing: save, encode, release, decode, restore; handles opened again. */
  private static void service(Run r) throws Exception {
    ControllerSavedState st = Contract.call("save", r.ctrl::save);
    if (st == null) {
      throw new AssertionError("save failed on a healthy controller");
    }
    byte[] bytes = SavedStateCodec.encode(st);
    NvmeController old = r.ctrl;
    old.release();
    r.ctrl = new DriverFactory().restore(r.emu.device(), r.pool.clientFor(r.emu.device().id()),
        r.options, SavedStateCodec.decode(bytes));
    if (!"restored".equals(r.ctrl.status().lastStart())) {
      throw new AssertionError("servicing started cold: " + r.ctrl.status().lastStart());
    }
    // The old driver's handles and buffer serve no more; the same namespaces open again.
    MemoryBlock oldBuf = r.buf;
    for (Map.Entry<Integer, NamespaceHandle> e : new ArrayList<>(r.handles.entrySet())) {
      if (Contract.run("read on a released driver", () -> e.getValue().read(0, 1, oldBuf, 0))) {
        throw new AssertionError("the released driver served a read");
      }
      e.getValue().close();
      NamespaceHandle again = Contract.call("open after restore",
          () -> r.ctrl.open(e.getKey(), "fuzz"));
      if (again == null) {
        r.handles.remove(e.getKey());
      } else {
        r.handles.put(e.getKey(), again);
      }
    }
    // The old buffer stays with the commands that may still be in flight into it.
    MemoryBlock fresh = r.ctrl.allocateBuffer(BUFFER);
    r.buf = fresh;
  }

  /** Reads every namespace end to end and compares it with its shadow. */
  private static void verifyAll(Run r) throws Exception {
    for (int nsid : List.of(1, 2)) {
      if (r.emu.namespace(nsid).isEmpty()) {
        continue;
      }
      NamespaceHandle h = r.handles.remove(nsid);
      if (h == null) {
        h = Contract.call("open for verification", () -> r.ctrl.open(nsid, "verify"));
        if (h == null) {
          continue;
        }
      }
      try {
        Shadow shadow = r.shadows.get(nsid);
        int per = Math.min(h.maxTransferBlocks(), BUFFER / h.blockSize());
        long count = Math.min(h.blockCount(), shadow.maxBlocks());
        for (long lba = 0; lba < count; lba += per) {
          int blocks = (int) Math.min(per, count - lba);
          h.read(lba, blocks, r.buf, 0);
          check(shadow.verify(lba, blocks, r.buf, 0, null));
        }
      } finally {
        h.close();
      }
    }
    r.handles.values().forEach(NamespaceHandle::close);
    r.handles.clear();
  }
}
