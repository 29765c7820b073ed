package io.jnvme.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PoolReport;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.driver.savestate.SavedStateCodec;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-integrity soak: a verifying mixed workload (random offsets, transfers of up to 4 MiB
 * split into concurrent commands, FUA writes, flushes, deallocations, write zeroes) on two
 * namespaces, running on while the driver is serviced again and again with keepalive on the real
 * page pool (save, encode, release, decode, restore, with commands in flight), and while
 * namespaces change size and come and go. Every read is compared with a shadow of the
 * acknowledged writes, and both namespaces are read back whole at the end.
 *
 * <p>{@code -Dsoak.cycles=N} sets the number of servicing cycles (CI: 24), {@code
 * -Dsoak.cycleMillis=M} the workload time between them (CI: 1000).
 */
class ServicingSoakTest {
  private static final int WORKERS = 2;
  private static final int MAX_IO = 4 << 20;
  private static final long NS1 = 32L << 20;
  private static final long NS2 = 16L << 20;

  @TempDir Path dir;

  /** What the workers use: replaced, whole, by each servicing. */
  private record Session(NvmeController ctrl, NamespaceHandle[] handles, MemoryBlock[] buffers) {}

  private final AtomicReference<Session> session = new AtomicReference<>();
  /** Sessions of released drivers, whose buffers the workload gives back at the end. */
  private final List<Session> retired = new java.util.ArrayList<>();
  private final AtomicLong ops = new AtomicLong();
  private final AtomicLong bytesWritten = new AtomicLong();
  private final AtomicLong bytesRead = new AtomicLong();
  private final AtomicLong refusedByServicing = new AtomicLong();
  private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
  private volatile boolean stop;

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void mixedWorkloadAcrossRepeatedKeepaliveServicing() throws Exception {
    int cycles = Integer.getInteger("soak.cycles", 24);
    long cycleMillis = Long.getLong("soak.cycleMillis", 1000);
    String name = Contract.uniqueName("soak");
    EmulatedController emu = EmulatedController.builder(name)
        .interruptVectors(8)
        .mdts(7)
        .commandLogCapacity(0)
        .namespace(1, EmulatedNamespace.memory(NS1, 512))
        .namespace(2, EmulatedNamespace.memory(NS2, 4096))
        .namespace(3, EmulatedNamespace.memory(4L << 20, 512))
        .build();
    ControllerOptions options = ControllerOptions.defaults(name)
        .withCpuCount(4)
        .withIoQueueEntries(256)
        .withKeepalive(true)
        .withCommandTimeout(Duration.ofSeconds(30))
        .withHealthCheckInterval(Duration.ofMillis(50));
    Shadow[] shadows = {null, new Shadow(NS1, 512), new Shadow(NS2, 4096)};
    long maxPauseUs = 0;
    long totalPauseUs = 0;
    PoolReport end;
    try (PagePool pool = PagePool.open(dir.resolve("pool"), 256L << 20, 0x60_0000_0000L)) {
      NvmeController first = new DriverFactory().start(emu.device(),
          pool.clientFor(emu.device().id()), options);
      session.set(open(first));
      List<Thread> workers = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        int id = w;
        Thread t = new Thread(() -> work(id, shadows), name + "-worker" + w);
        t.start();
        workers.add(t);
      }
      for (int cycle = 0; cycle < cycles && failures.isEmpty(); cycle++) {
        Thread.sleep(cycleMillis);
        namespaceEvent(emu, cycle);
        long t0 = System.nanoTime();
        Session old = session.get();
        byte[] bytes = SavedStateCodec.encode(old.ctrl.save());
        old.ctrl.release();
        NvmeController next = new DriverFactory().restore(emu.device(),
            pool.clientFor(emu.device().id()), options, SavedStateCodec.decode(bytes));
        long pauseUs = (System.nanoTime() - t0) / 1000;
        maxPauseUs = Math.max(maxPauseUs, pauseUs);
        totalPauseUs += pauseUs;
        assertEquals("restored", next.status().lastStart(), "cycle " + cycle);
        session.set(open(next));
        retired.add(old);
      }
      stop = true;
      for (Thread t : workers) {
        t.join(TimeUnit.SECONDS.toMillis(60));
        assertTrue(!t.isAlive(), "worker ended");
      }
      // The buffers of each released driver stay their user's (the restoring driver must not
      // free them under a user's feet); the workload gives them back once it no longer uses them.
      for (Session r : retired) {
        for (MemoryBlock b : r.buffers) {
          b.close();
        }
      }
      Session s = session.get();
      long verifiedBefore = shadows[1].verifiedBytes + shadows[2].verifiedBytes;
      for (int nsid = 1; nsid <= 2; nsid++) {
        readBackWhole(s, nsid, shadows[nsid]);
      }
      long wholeVerified = shadows[1].verifiedBytes + shadows[2].verifiedBytes - verifiedBefore;
      s.ctrl.close();
      Contract.checkController(s.ctrl);
      end = pool.validate();
      long mismatches = shadows[1].mismatches + shadows[2].mismatches;
      System.out.printf("soak: cycles=%d operations=%d written=%d MiB read=%d MiB"
          + " verifiedBytes=%d (whole read-back %d MiB) mismatches=%d refusedByServicing=%d"
          + " pauseMaxUs=%d pauseAvgUs=%d poolAfterClose: attached=%d pending=%d free=%d MiB%n",
          cycles, ops.get(), bytesWritten.get() >> 20, bytesRead.get() >> 20,
          shadows[1].verifiedBytes + shadows[2].verifiedBytes, wholeVerified >> 20, mismatches,
          refusedByServicing.get(), maxPauseUs, cycles == 0 ? 0 : totalPauseUs / cycles,
          end.attached().size(), end.pending().size(), end.freeBytes() >> 20);
      if (!failures.isEmpty()) {
        AssertionError e = new AssertionError("the workload failed: " + failures.peek());
        failures.forEach(e::addSuppressed);
        throw e;
      }
      assertEquals(0, mismatches, "mismatches");
      assertTrue(end.attached().isEmpty() && end.pending().isEmpty(),
          "memory left in the pool after close: " + end);
    } finally {
      stop = true;
      emu.close();
    }
    Contract.checkThreadsGone(Duration.ofSeconds(10), name + "-", "emu-" + name);
    Contract.checkUncaught();
  }

  private static Session open(NvmeController c) throws NvmeException {
    NamespaceHandle[] h = {null, c.open(1, "soak"), c.open(2, "soak")};
    MemoryBlock[] b = new MemoryBlock[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
      b[i] = c.allocateBuffer(MAX_IO);
    }
    return new Session(c, h, b);
  }

  private static void namespaceEvent(EmulatedController emu, int cycle) throws Exception {
    switch (cycle % 4) {
      case 1 -> emu.removeNamespace(3);
      case 2 -> emu.addNamespace(3, EmulatedNamespace.memory(4L << 20, 512));
      case 3 -> emu.notifyNamespaceChanged(1);
      default -> emu.resizeNamespace(2, NS2 + ((cycle / 4) % 4 + 1) * (1L << 20));
    }
  }

  /** One worker: its own half of each namespace, so its reads see only its own writes. */
  private void work(int id, Shadow[] shadows) {
    Random rnd = new Random(0x5EED + id);
    while (!stop) {
      Session s = session.get();
      int nsid = 1 + rnd.nextInt(2);
      NamespaceHandle h = s.handles[nsid];
      Shadow shadow = shadows[nsid];
      int bs = h.blockSize();
      long half = (nsid == 1 ? NS1 : NS2) / bs / WORKERS;
      long base = half * id;
      int maxBlocks = (int) Math.min(half, MAX_IO / bs);
      int blocks = 1 + (rnd.nextInt(8) == 0 ? rnd.nextInt(maxBlocks) : rnd.nextInt(Math.max(1,
          maxBlocks / 32)));
      long lba = base + (long) (rnd.nextDouble() * (half - blocks));
      int kind = rnd.nextInt(100);
      try {
        if (kind < 45) {
          write(s, id, h, shadow, lba, blocks, rnd.nextLong(), kind < 5);
        } else if (kind < 85) {
          read(s, id, h, shadow, lba, blocks);
        } else if (kind < 90) {
          h.flush();
        } else if (kind < 96) {
          shadow.forget(lba, blocks);
          h.deallocate(lba, blocks);
          shadow.zero(lba, blocks);
        } else {
          int n = Math.min(blocks, 65536);
          shadow.forget(lba, n);
          h.writeZeroes(lba, n);
          shadow.zero(lba, n);
        }
        ops.incrementAndGet();
      } catch (ControllerFailedException e) {
        if (e.reason() != ControllerFailedException.Reason.SERVICED) {
          failures.add(e);
          return;
        }
        // Refused because this driver was just replaced; the next session serves.
        refusedByServicing.incrementAndGet();
        waitForNext(s);
      } catch (NvmeException | RuntimeException | Error e) {
        failures.add(e);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void waitForNext(Session s) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (session.get() == s && !stop && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  /** Splits at the transfer limit and submits every piece at once; waits for all. */
  private Object[] chunks(Session s, int id, NamespaceHandle h, long lba, int blocks,
      boolean write, boolean fua) throws InterruptedException {
    int per = h.maxTransferBlocks();
    int n = (blocks + per - 1) / per;
    AtomicReferenceArray<Object> results = new AtomicReferenceArray<>(n);
    CountDownLatch done = new CountDownLatch(n);
    MemoryBlock buf = s.buffers[id];
    for (int i = 0; i < n; i++) {
      int index = i;
      long at = lba + (long) i * per;
      int count = Math.min(per, blocks - i * per);
      long offset = (long) i * per * h.blockSize();
      int bytes = count * h.blockSize();
      io.jnvme.driver.IoCompletion c = (ctx, e) -> {
        if (e == null && !write) {
          // Taken at completion, as a caller would: the buffer belongs to this session's
          // driver, and servicing hands it to the next one.
          byte[] got = new byte[bytes];
          buf.copyTo(offset, ByteBuffer.wrap(got));
          results.set(index, got);
        } else {
          results.set(index, e == null ? "ok" : e);
        }
        done.countDown();
      };
      if (write) {
        h.submitWrite(-1, at, count, buf, offset, fua, c, i);
      } else {
        h.submitRead(-1, at, count, buf, offset, c, i);
      }
    }
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new AssertionError("commands never completed: " + done.getCount() + " of " + n);
    }
    Object[] out = new Object[n];
    for (int i = 0; i < n; i++) {
      out[i] = results.get(i);
    }
    return out;
  }

  private void write(Session s, int id, NamespaceHandle h, Shadow shadow, long lba, int blocks,
      long seed, boolean fua) throws NvmeException, InterruptedException {
    byte[] data = new byte[blocks * h.blockSize()];
    new Random(seed).nextBytes(data);
    s.buffers[id].copyFrom(ByteBuffer.wrap(data), 0);
    shadow.forget(lba, blocks);
    Object[] r = chunks(s, id, h, lba, blocks, true, fua);
    int per = h.maxTransferBlocks();
    NvmeException refused = null;
    for (int i = 0; i < r.length; i++) {
      long at = lba + (long) i * per;
      int count = Math.min(per, blocks - i * per);
      if ("ok".equals(r[i])) {
        int from = i * per * h.blockSize();
        shadow.write(at, count, java.util.Arrays.copyOfRange(data, from,
            from + count * h.blockSize()));
        bytesWritten.addAndGet((long) count * h.blockSize());
      } else {
        refused = (NvmeException) r[i];
      }
    }
    if (refused != null) {
      throw refused;
    }
  }

  private void read(Session s, int id, NamespaceHandle h, Shadow shadow, long lba, int blocks)
      throws NvmeException, InterruptedException {
    Object[] r = chunks(s, id, h, lba, blocks, false, false);
    int per = h.maxTransferBlocks();
    NvmeException refused = null;
    for (int i = 0; i < r.length; i++) {
      long at = lba + (long) i * per;
      int count = Math.min(per, blocks - i * per);
      if (r[i] instanceof byte[] got) {
        String m = shadow.verify(at, count, got, null);
        if (m != null) {
          failures.add(new AssertionError("nsid " + h.nsid() + ": " + m));
        }
        bytesRead.addAndGet((long) count * h.blockSize());
      } else {
        refused = (NvmeException) r[i];
      }
    }
    if (refused != null) {
      throw refused;
    }
  }

  private static void readBackWhole(Session s, int nsid, Shadow shadow) throws Exception {
    NamespaceHandle h = s.handles[nsid];
    MemoryBlock buf = s.buffers[0];
    int per = Math.min(h.maxTransferBlocks(), MAX_IO / h.blockSize());
    long count = Math.min(h.blockCount(), shadow.maxBlocks());
    for (long lba = 0; lba < count; lba += per) {
      int blocks = (int) Math.min(per, count - lba);
      h.read(lba, blocks, buf, 0);
      String m = shadow.verify(lba, blocks, buf, 0, null);
      if (m != null) {
        throw new AssertionError("whole read-back, nsid " + nsid + ": " + m);
      }
    }
  }
}
