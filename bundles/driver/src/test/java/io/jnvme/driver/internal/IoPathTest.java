package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.InvalidRequestException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeException;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.transport.emulated.CommandLogEntry;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoPathTest {

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static void fill(MemoryBlock m, long offset, byte[] data) {
    m.copyFrom(ByteBuffer.wrap(data), offset);
  }

  private static byte[] read(MemoryBlock m, long offset, int n) {
    ByteBuffer out = ByteBuffer.allocate(n);
    m.copyTo(offset, out);
    return out.array();
  }

  private static List<CommandLogEntry> io(Fixture f, int opcode) {
    return f.emu.commandLog().entries().stream()
        .filter(e -> e.qid() != 0 && e.opcode() == opcode)
        .toList();
  }

  @Test
  void writeThenReadRoundTripsOnBothNamespaces() throws Exception {
    try (Fixture f = Fixture.started()) {
      for (int nsid = 1; nsid <= 2; nsid++) {
        try (NamespaceHandle h = f.ctrl.open(nsid, "test")) {
          MemoryBlock buf = f.ctrl.allocateBuffer(64 * 1024);
          byte[] data = random(64 * 1024, nsid);
          fill(buf, 0, data);
          int blocks = 64 * 1024 / h.blockSize();
          h.write(100, blocks, buf, 0, false);
          buf.zero(0, buf.size());
          h.read(100, blocks, buf, 0);
          assertArrayEquals(data, read(buf, 0, data.length));
        }
      }
    }
  }

  /**
   * Transfers of 2 MiB and of 2 MiB + 8 KiB at unaligned buffer offsets: the first fills one PRP
   * list page exactly (512 entries), the second needs a chained second list page.
   */
  @Test
  void largeTransfersUseFullAndChainedPrpListPagesAndMoveTheRightBytes() throws Exception {
    try (Fixture f = Fixture.started(Fixture.defaultEmulator().mdts(0),
            o -> o.withMaxTransferBytes(4L << 20));
        NamespaceHandle h = f.ctrl.open(1, "test")) {
      for (int bytes : new int[] {2 << 20, (2 << 20) + 8192}) {
        assertTrue(h.maxTransferBlocks() * 512L >= bytes);
        MemoryBlock src = f.ctrl.allocateBuffer(bytes + 4096);
        MemoryBlock dst = f.ctrl.allocateBuffer(bytes + 4096);
        byte[] data = random(bytes, bytes);
        fill(src, 512, data);
        h.write(2048, bytes / 512, src, 512, false);
        h.read(2048, bytes / 512, dst, 0);
        assertArrayEquals(data, read(dst, 0, bytes));
        dst.zero(0, dst.size());
        h.read(2048, bytes / 512, dst, 1024);
        assertArrayEquals(data, read(dst, 1024, bytes));
        src.close();
        dst.close();
      }
      List<CommandLogEntry> writes = io(f, NvmOpcode.WRITE.raw());
      assertEquals(2, writes.size(), "each transfer went in one command");
      assertEquals((2 << 20) / 512 - 1, writes.get(0).cdw12() & 0xFFFF);
      assertEquals(((2 << 20) + 8192) / 512 - 1, writes.get(1).cdw12() & 0xFFFF);
    }
  }

  @Test
  void mdtsLimitsTransfersAndIsNeverExceeded() throws Exception {
    // MDTS 2 = 4 pages = 16 KiB = 32 blocks of 512 bytes.
    try (Fixture f = Fixture.started(Fixture.defaultEmulator().mdts(2), o -> o);
        NamespaceHandle h = f.ctrl.open(1, "test")) {
      assertEquals(32, h.maxTransferBlocks());
      assertEquals(16384, f.ctrl.info().maxTransferBytes());
      MemoryBlock buf = f.ctrl.allocateBuffer(64 * 1024);
      h.write(0, 32, buf, 0, false);
      assertThrows(InvalidRequestException.class, () -> h.write(0, 33, buf, 0, false));
      assertThrows(InvalidRequestException.class, () -> h.read(0, 33, buf, 0));
      for (CommandLogEntry e : f.emu.commandLog().entries()) {
        if (e.qid() != 0) {
          assertTrue((e.cdw12() & 0xFFFF) < 32, "command over MDTS reached the device: " + e);
        }
      }
    }
  }

  @Test
  void fuaReachesTheDevice() throws Exception {
    try (Fixture f = Fixture.started();
        NamespaceHandle h = f.ctrl.open(1, "test")) {
      MemoryBlock buf = f.ctrl.allocateBuffer(4096);
      h.write(0, 8, buf, 0, true);
      h.write(8, 8, buf, 0, false);
      List<CommandLogEntry> writes = io(f, NvmOpcode.WRITE.raw());
      assertEquals(2, writes.size());
      assertTrue((writes.get(0).cdw12() & (1 << 30)) != 0, "FUA set on the first write");
      assertEquals(0, writes.get(1).cdw12() & (1 << 30), "FUA clear on the second");
      h.flush();
      assertEquals(1, io(f, NvmOpcode.FLUSH.raw()).size());
    }
  }

  @Test
  void datasetManagementAndWriteZeroesClearTheirRangesOnly() throws Exception {
    try (Fixture f = Fixture.started();
        NamespaceHandle h = f.ctrl.open(1, "test")) {
      MemoryBlock buf = f.ctrl.allocateBuffer(32 * 512);
      byte[] data = random(32 * 512, 3);
      fill(buf, 0, data);
      h.write(0, 32, buf, 0, false);
      h.deallocate(4, 4);
      h.writeZeroes(16, 8);
      buf.zero(0, buf.size());
      h.read(0, 32, buf, 0);
      byte[] got = read(buf, 0, 32 * 512);
      for (int blk = 0; blk < 32; blk++) {
        boolean cleared = (blk >= 4 && blk < 8) || (blk >= 16 && blk < 24);
        for (int i = 0; i < 512; i++) {
          byte want = cleared ? 0 : data[blk * 512 + i];
          if (got[blk * 512 + i] != want) {
            throw new AssertionError("block " + blk + " byte " + i + " differs");
          }
        }
      }
      List<CommandLogEntry> dsm = io(f, NvmOpcode.DATASET_MANAGEMENT.raw());
      assertEquals(1, dsm.size());
      assertEquals(0, dsm.get(0).cdw10() & 0xFF, "one range (NR is zero based)");
      assertTrue((dsm.get(0).cdw11() & 4) != 0, "deallocate attribute");
      assertEquals(1, io(f, NvmOpcode.WRITE_ZEROES.raw()).size());
    }
  }

  @Test
  void rangeAndBufferChecksRefuseBadRequests() throws Exception {
    try (Fixture f = Fixture.started();
        NamespaceHandle h = f.ctrl.open(1, "test")) {
      MemoryBlock buf = f.ctrl.allocateBuffer(4096);
      long end = h.blockCount();
      assertThrows(InvalidRequestException.class, () -> h.read(end - 4, 8, buf, 0));
      assertThrows(InvalidRequestException.class, () -> h.read(-1, 1, buf, 0));
      assertThrows(InvalidRequestException.class, () -> h.read(0, 0, buf, 0));
      assertThrows(InvalidRequestException.class, () -> h.read(0, 16, buf, 0));
      MemoryBlock foreign = f.dma.allocate(4096, "foreign");
      assertThrows(InvalidRequestException.class, () -> h.read(0, 1, foreign, 0));
      h.read(end - 8, 8, buf, 0);
    }
  }

  @Test
  void asyncQueueDepth32RoundTripFromSeveralCpus() throws Exception {
    try (Fixture f = Fixture.started(Fixture.defaultEmulator()
            .namespace(3, EmulatedNamespace.memory(4L << 20, 512)), o -> o);
        NamespaceHandle h = f.ctrl.open(3, "test")) {
      int n = 256;
      MemoryBlock buf = f.ctrl.allocateBuffer(n * 4096L);
      byte[] data = random(n * 4096, 11);
      fill(buf, 0, data);
      ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
      CountDownLatch writes = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        h.submitWrite(i % 4, i * 8L, 8, buf, i * 4096L, false, (ctx, e) -> {
          if (e != null) {
            errors.add(e);
          }
          writes.countDown();
        }, i);
      }
      assertTrue(writes.await(20, TimeUnit.SECONDS));
      assertTrue(errors.isEmpty(), errors.toString());
      buf.zero(0, buf.size());
      CountDownLatch reads = new CountDownLatch(n);
      AtomicLong contexts = new AtomicLong();
      for (int i = 0; i < n; i++) {
        h.submitRead(3 - i % 4, i * 8L, 8, buf, i * 4096L, (ctx, e) -> {
          if (e != null) {
            errors.add(e);
          }
          contexts.addAndGet(ctx);
          reads.countDown();
        }, i);
      }
      assertTrue(reads.await(20, TimeUnit.SECONDS));
      assertTrue(errors.isEmpty(), errors.toString());
      assertEquals((long) n * (n - 1) / 2, contexts.get());
      assertArrayEquals(data, read(buf, 0, n * 4096));
      assertEquals(4, f.ctrl.status().ioQueues().size(), "one queue per CPU slot used");
      assertEquals(0, f.ctrl.status().fallbackCount());
    }
  }
}
