package io.jnvme.disk.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.disk.BlockDevice;
import io.jnvme.disk.BlockDeviceListener;
import io.jnvme.disk.DiskException;
import io.jnvme.disk.DiskRangeException;
import io.jnvme.disk.DiskReadOnlyException;
import io.jnvme.disk.DiskRemovedException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Status;
import io.jnvme.transport.emulated.CommandLogEntry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class NvmeBlockDeviceTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  static byte[] random(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  static byte[] read(BlockDevice d, long offset, int length) throws DiskException {
    ByteBuffer b = ByteBuffer.allocate(length);
    d.read(offset, b);
    assertEquals(0, b.position(), "position unchanged");
    return b.array();
  }

  @Test
  void randomRequestsOfAnyAlignmentMatchAByteModel() throws Exception {
    try (DiskFixture f = DiskFixture.start(16L << 20, 512)) {
      NvmeBlockDevice d = f.disk;
      byte[] model = new byte[16 << 20];
      Random r = new Random(7);
      for (int i = 0; i < 300; i++) {
        int length = r.nextInt(4) == 0 ? r.nextInt(300 << 10) : r.nextInt(9000);
        long offset = (long) r.nextInt(model.length - length);
        if (r.nextBoolean()) {
          byte[] data = random(r, length);
          // A heap buffer with an offset and a limit: only position..limit is written.
          ByteBuffer src = ByteBuffer.allocate(length + 20).position(7).limit(7 + length);
          src.put(7, data);
          if (r.nextBoolean()) {
            d.write(offset, src, r.nextBoolean());
          } else {
            CompletableFuture<DiskException> done = new CompletableFuture<>();
            d.submitWrite(offset, src, false, (ctx, e) -> done.complete(e), i);
            assertNull(done.get(10, TimeUnit.SECONDS));
          }
          assertEquals(7, src.position());
          System.arraycopy(data, 0, model, (int) offset, length);
        } else {
          ByteBuffer dst = ByteBuffer.allocateDirect(length + 3).position(3);
          if (r.nextBoolean()) {
            d.read(offset, dst);
          } else {
            CompletableFuture<DiskException> done = new CompletableFuture<>();
            d.submitRead(offset, dst, (ctx, e) -> done.complete(e), i);
            assertNull(done.get(10, TimeUnit.SECONDS));
          }
          byte[] got = new byte[length];
          dst.get(3, got);
          byte[] want = new byte[length];
          System.arraycopy(model, (int) offset, want, 0, length);
          assertArrayEquals(want, got, "read " + i + " offset=" + offset + " length=" + length);
        }
      }
      byte[] medium = f.emu.namespace(1).orElseThrow().readBytes(0, model.length);
      assertArrayEquals(model, medium, "the namespace holds what was written");
      assertEquals(0, d.slotsInUse(), "every bounce buffer is back");
    }
  }

  @Test
  void largeRequestsAreSplitAtTheTransferLimitWithoutReads() throws Exception {
    try (DiskFixture f = DiskFixture.start(16L << 20, 512)) {
      NvmeBlockDevice d = f.disk;
      assertEquals(128 << 10, d.maxTransferBytes(), "emulated MDTS 5 = 128 KiB");
      byte[] data = random(new Random(1), 1 << 20);
      f.emu.commandLog().clear();
      d.write(4096, ByteBuffer.wrap(data), false);
      List<CommandLogEntry> writes = f.emu.commandLog().entries(e -> e.is(NvmOpcode.WRITE));
      assertEquals(8, writes.size(), writes.toString());
      for (CommandLogEntry w : writes) {
        assertTrue(w.blockCount() <= 256, "at most 128 KiB per command: " + w.blockCount());
      }
      assertEquals(0, f.emu.commandLog().count(e -> e.is(NvmOpcode.READ)),
          "an aligned write needs no read");
      assertArrayEquals(data, read(d, 4096, data.length));
      assertEquals(8, f.emu.commandLog().count(e -> e.is(NvmOpcode.READ)));
    }
  }

  @Test
  void onlyPartialBlocksAreReadModifyWritten() throws Exception {
    try (DiskFixture f = DiskFixture.start(16L << 20, 512)) {
      NvmeBlockDevice d = f.disk;
      byte[] before = random(new Random(2), 8192);
      d.write(0, ByteBuffer.wrap(before), false);
      f.emu.commandLog().clear();
      byte[] data = random(new Random(3), 3000);
      d.write(1000, ByteBuffer.wrap(data), true);
      // Head block 1 (bytes 512..1023) and tail block 7 (3584..4095) are patched; blocks 2..6
      // are written whole.
      List<CommandLogEntry> reads = f.emu.commandLog().entries(e -> e.is(NvmOpcode.READ));
      assertEquals(List.of(1L, 7L), reads.stream().map(CommandLogEntry::slba).toList());
      List<CommandLogEntry> writes = f.emu.commandLog().entries(e -> e.is(NvmOpcode.WRITE));
      assertEquals(3, writes.size(), writes.toString());
      assertTrue(writes.stream().allMatch(CommandLogEntry::fua), "FUA on every write");
      assertTrue(writes.stream().anyMatch(w -> w.slba() == 2 && w.blockCount() == 5));
      System.arraycopy(data, 0, before, 1000, data.length);
      assertArrayEquals(before, read(d, 0, 8192));
    }
  }

  @Test
  void concurrentSubBlockWritesLoseNoBytes() throws Exception {
    try (DiskFixture f = DiskFixture.start(4L << 20, 4096)) {
      NvmeBlockDevice d = f.disk;
      int threads = 8;
      int rounds = 150;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        // Thread t owns bytes [t * 512, t * 512 + 100) of blocks 0..3: every write patches a
        // block other threads patch too.
        List<Future<?>> fs = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int me = t;
          fs.add(pool.submit(() -> {
            for (int i = 1; i <= rounds; i++) {
              byte[] v = new byte[100];
              java.util.Arrays.fill(v, (byte) i);
              d.write((long) (i % 4) * 4096 + me * 512, ByteBuffer.wrap(v), false);
            }
            return null;
          }));
        }
        for (Future<?> x : fs) {
          x.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      byte[] all = read(d, 0, 4 * 4096);
      for (int t = 0; t < threads; t++) {
        for (int blk = 0; blk < 4; blk++) {
          int last = rounds - ((rounds - blk) % 4 + 4) % 4;
          for (int i = 0; i < 100; i++) {
            assertEquals((byte) last, all[blk * 4096 + t * 512 + i],
                "thread " + t + " block " + blk + " byte " + i);
          }
        }
      }
    }
  }

  @Test
  void readModifyWriteNeverUndoesAConcurrentAlignedWrite() throws Exception {
    try (DiskFixture f = DiskFixture.start(4L << 20, 512)) {
      NvmeBlockDevice d = f.disk;
      byte[] ones = new byte[4096];
      java.util.Arrays.fill(ones, (byte) 1);
      d.write(0, ByteBuffer.wrap(ones), false);
      // Hold the write-back of the patched block 0 (one block at LBA 0) for a while: without the
      // gate, the aligned write below would land in between and be undone by the write-back.
      f.emu.faults().add(io.jnvme.transport.emulated.CommandMatch.io(NvmOpcode.WRITE)
              .cdw10(0, -1).cdw12(0, 0xFFFF).count(1),
          io.jnvme.transport.emulated.FaultAction.delay(Duration.ofMillis(300)));
      byte[] patch = new byte[64];
      java.util.Arrays.fill(patch, (byte) 0xAA);
      CompletableFuture<Void> rmw = CompletableFuture.runAsync(() -> {
        try {
          d.write(0, ByteBuffer.wrap(patch), false);
        } catch (DiskException e) {
          throw new IllegalStateException(e);
        }
      });
      assertTrue(f.emu.commandLog().await(e -> e.is(NvmOpcode.WRITE) && e.slba() == 0
          && e.blockCount() == 1, Duration.ofSeconds(10)).isPresent(), "write-back fetched");
      byte[] twos = new byte[4096];
      java.util.Arrays.fill(twos, (byte) 2);
      CompletableFuture<Void> aligned = CompletableFuture.runAsync(() -> {
        try {
          d.write(0, ByteBuffer.wrap(twos), false);
        } catch (DiskException e) {
          throw new IllegalStateException(e);
        }
      });
      rmw.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
      aligned.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
      // The aligned write waited for the read-modify-write, so it is the last word everywhere.
      assertArrayEquals(twos, read(d, 0, 4096));
    }
  }

  @Test
  void writeZeroesDiscardAndFlush() throws Exception {
    try (DiskFixture f = DiskFixture.start(16L << 20, 512)) {
      NvmeBlockDevice d = f.disk;
      byte[] data = random(new Random(4), 64 << 10);
      d.write(0, ByteBuffer.wrap(data), false);
      f.emu.commandLog().clear();
      d.writeZeroes(100, 10_000, false);
      byte[] want = data.clone();
      java.util.Arrays.fill(want, 100, 10_100, (byte) 0);
      assertArrayEquals(want, read(d, 0, data.length));
      assertEquals(1, f.emu.commandLog().count(e -> e.is(NvmOpcode.WRITE_ZEROES)));

      d.discard(20_000, 20_000);
      // Whole blocks 40..77 (bytes 20480..39935) read as zeroes on the emulated namespace; the
      // partial blocks at either end are untouched.
      java.util.Arrays.fill(want, 20_480, 39_936, (byte) 0);
      assertArrayEquals(want, read(d, 0, data.length));
      CommandLogEntry dsm = f.emu.commandLog().last(e -> e.is(NvmOpcode.DATASET_MANAGEMENT))
          .orElseThrow();
      assertEquals(0, dsm.cdw10(), "one range");

      d.discard(10, 100); // no whole block: nothing to do
      d.flush();
      assertEquals(1, f.emu.commandLog().count(e -> e.is(NvmOpcode.FLUSH)));
      d.writeZeroes(0, 512, true);
      assertEquals(2, f.emu.commandLog().count(e -> e.is(NvmOpcode.FLUSH)), "FUA zeroes flush");
    }
  }

  @Test
  void rangeAndReadOnlyErrors() throws Exception {
    try (DiskFixture f = DiskFixture.start(DiskFixture.emulator(1L << 20, 512), true,
        NvmeBlockDevice.Options.defaults())) {
      NvmeBlockDevice d = f.disk;
      assertTrue(d.readOnly());
      assertEquals(1L << 20, d.size());
      assertThrows(DiskRangeException.class, () -> d.read((1L << 20) - 10, ByteBuffer.allocate(11)));
      assertThrows(DiskRangeException.class, () -> d.read(-1, ByteBuffer.allocate(1)));
      assertThrows(DiskReadOnlyException.class, () -> d.write(0, ByteBuffer.allocate(512), false));
      assertThrows(DiskReadOnlyException.class, () -> d.discard(0, 512));
      assertThrows(DiskReadOnlyException.class, () -> d.writeZeroes(0, 512, false));
      CompletableFuture<DiskException> e = new CompletableFuture<>();
      d.submitWrite(0, ByteBuffer.allocate(512), false, (c, x) -> e.complete(x), 0);
      assertTrue(e.get(5, TimeUnit.SECONDS) instanceof DiskReadOnlyException);
      read(d, (1L << 20) - 10, 10); // the last bytes are readable
      d.read(0, ByteBuffer.allocate(0));
    }
  }

  @Test
  void removedNamespaceFailsEveryRequestAtOnce() throws Exception {
    try (DiskFixture f = DiskFixture.start(4L << 20, 512)) {
      NvmeBlockDevice d = f.disk;
      CountDownLatch gone = new CountDownLatch(1);
      d.addListener(new BlockDeviceListener() {
        @Override
        public void removed(BlockDevice device) {
          gone.countDown();
        }
      });
      f.emu.removeNamespace(1);
      assertTrue(gone.await(20, TimeUnit.SECONDS), "removal seen");
      assertTrue(d.removed());
      assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
        DiskRemovedException e = assertThrows(DiskRemovedException.class,
            () -> d.read(0, ByteBuffer.allocate(512)));
        assertTrue(e.getMessage().contains("nvme0n1"), e.getMessage());
        assertThrows(DiskRemovedException.class, () -> d.write(0, ByteBuffer.allocate(7), false));
        assertThrows(DiskRemovedException.class, d::flush);
        CompletableFuture<DiskException> x = new CompletableFuture<>();
        d.submitRead(0, ByteBuffer.allocate(512), (c, err) -> x.complete(err), 0);
        assertTrue(x.get() instanceof DiskRemovedException);
      });
    }
  }

  @Test
  void statusOfADeviceErrorIsCarriedUnchanged() throws Exception {
    try (DiskFixture f = DiskFixture.start(4L << 20, 512)) {
      NvmeBlockDevice d = f.disk;
      f.emu.faults().add(
          io.jnvme.transport.emulated.CommandMatch.io(NvmOpcode.READ).count(1),
          io.jnvme.transport.emulated.FaultAction.status(Status.UNRECOVERED_READ_ERROR));
      DiskException e = assertThrows(DiskException.class, () -> read(d, 0, 4096));
      assertEquals(Status.UNRECOVERED_READ_ERROR, e.status().orElseThrow());
      read(d, 0, 4096);
    }
  }

  @Test
  void resizeIsPublishedToListeners() throws Exception {
    try (DiskFixture f = DiskFixture.start(4L << 20, 512)) {
      NvmeBlockDevice d = f.disk;
      AtomicReference<long[]> seen = new AtomicReference<>();
      CountDownLatch resized = new CountDownLatch(1);
      d.addListener(new BlockDeviceListener() {
        @Override
        public void resized(BlockDevice device, long oldSize, long newSize) {
          seen.set(new long[] {oldSize, newSize});
          resized.countDown();
        }
      });
      f.emu.resizeNamespace(1, 8L << 20);
      assertTrue(resized.await(20, TimeUnit.SECONDS), "resize seen");
      assertArrayEquals(new long[] {4L << 20, 8L << 20}, seen.get());
      assertEquals(8L << 20, d.size());
      d.write((8L << 20) - 512, ByteBuffer.allocate(512), false);
    }
  }

  @Test
  void asyncReadsAtQueueDepth32() throws Exception {
    try (DiskFixture f = DiskFixture.start(16L << 20, 512)) {
      NvmeBlockDevice d = f.disk;
      byte[] data = random(new Random(5), 8 << 20);
      d.write(0, ByteBuffer.wrap(data), false);
      Semaphore depth = new Semaphore(32);
      AtomicInteger bad = new AtomicInteger();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Random r = new Random(6);
      int n = 3000;
      CountDownLatch all = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        depth.acquire();
        long block = r.nextInt((8 << 20) / 4096);
        ByteBuffer dst = ByteBuffer.allocateDirect(4096);
        d.submitRead(block * 4096, dst, (ctx, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          } else {
            for (int k = 0; k < 4096; k += 512) {
              if (dst.get(k) != data[(int) (ctx * 4096 + k)]) {
                bad.incrementAndGet();
                break;
              }
            }
          }
          depth.release();
          all.countDown();
        }, block);
      }
      assertTrue(all.await(LIMIT.toSeconds(), TimeUnit.SECONDS));
      assertNull(failure.get());
      assertEquals(0, bad.get());
      assertEquals(0, d.slotsInUse());
    }
  }

  @Test
  void closingReleasesTheNamespaceAndFailsRequests() throws Exception {
    try (DiskFixture f = DiskFixture.start(4L << 20, 512)) {
      NvmeBlockDevice d = f.disk;
      d.close();
      assertTrue(d.removed());
      assertThrows(DiskRemovedException.class, () -> d.read(0, ByteBuffer.allocate(512)));
      try (NamespaceHandle h = f.ctrl.open(1, "test")) {
        assertEquals(1, h.nsid(), "the namespace is free again");
      }
    }
  }

  @Test
  void detachedDeviceWaitsForItsControllerThenGoesOn() throws Exception {
    try (DiskFixture f = DiskFixture.start(4L << 20, 512)) {
      NvmeBlockDevice d = f.disk;
      byte[] data = random(new Random(8), 8192);
      d.write(0, ByteBuffer.wrap(data), false);
      d.detach(f.ctrl);
      assertNull(d.controller());
      CompletableFuture<byte[]> later = new CompletableFuture<>();
      Thread t = new Thread(() -> {
        try {
          later.complete(read(d, 0, 8192));
        } catch (Throwable e) {
          later.completeExceptionally(e);
        }
      });
      t.start();
      // The reader waits for a controller (the source returns the detached one, which the
      // device refuses).
      while (t.getState() != Thread.State.TIMED_WAITING && !later.isDone()) {
        Thread.onSpinWait();
      }
      assertFalse(later.isDone());
      d.attach(f.ctrl);
      assertArrayEquals(data, later.get(10, TimeUnit.SECONDS));
    }
  }
}
