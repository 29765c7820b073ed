package io.jnvme.transport.emulated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.DsmRange;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoCommandsTest {
  private EmulatedController ctrl;
  private TestHost host;
  private TestHost.Queue q;

  private void start(EmulatedController.Builder b) throws Exception {
    ctrl = b.build();
    host = TestHost.enabled(ctrl);
    q = host.createIoQueue(1, 64, 1);
  }

  private static EmulatedController.Builder builder() {
    return EmulatedController.builder("io").interruptVectors(4)
        .namespace(1, EmulatedNamespace.memory(64L << 20, 512))
        .namespace(2, EmulatedNamespace.memory(16L << 20, 4096));
  }

  @AfterEach
  void tearDown() {
    if (host != null) {
      host.close();
    }
    if (ctrl != null) {
      ctrl.close();
    }
  }

  @Test
  void writeThenReadWithPrpListsThatChainAcrossListPages() throws Exception {
    start(builder().mdts(0));
    // 3 MiB + 512 bytes from an offset inside the first page: PRP1 covers the first 3584 bytes,
    // then 769 pages follow, more than one list page (511 data entries and a chain pointer).
    int offset = 512;
    int length = (3 << 20) + 512;
    int nlb = length / 512;
    MemoryBlock out = host.alloc(length + offset + 4096);
    MemoryBlock in = host.alloc(length + offset + 4096);
    MemoryBlock lists = host.alloc(4 * 4096);
    TestHost.fill(out, offset, length, 42);
    long[] w = TestHost.prps(out, offset, length, lists);
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 1000, nlb, w[0], w[1])).assertSuccess();
    MemoryBlock lists2 = host.alloc(4 * 4096);
    long[] r = TestHost.prps(in, offset, length, lists2);
    assertTrue(lists2.getLong(511 * 8) == lists2.deviceAddress(1), "the list chains");
    q.execute(TestHost.rw(NvmOpcode.READ, 1, 1000, nlb, r[0], r[1])).assertSuccess();
    assertArrayEquals(TestHost.bytes(out, offset, length), TestHost.bytes(in, offset, length));
    // The medium holds the data where the LBAs say.
    byte[] medium = ctrl.namespace(1).orElseThrow().readBytes(1000 * 512L, length);
    assertArrayEquals(TestHost.bytes(out, offset, length), medium);
    // Bytes around the transfer were not touched.
    assertEquals(0, in.getByte(offset - 1));
    assertEquals(0, in.getByte(offset + length));
  }

  @Test
  void aPrpListMayStartAtAnOffsetInItsPage() throws Exception {
    start(builder());
    MemoryBlock data = host.alloc(5 * 4096);
    MemoryBlock list = host.alloc(4096);
    TestHost.fill(data, 0, 4 * 4096, 7);
    // PRP2 points at the last three slots of the list page: two data entries fit after PRP1's
    // page... four pages in all need three list entries, exactly what is there.
    long listAt = 4096 - 3 * 8;
    for (int i = 0; i < 3; i++) {
      list.putLong(listAt + 8L * i, data.deviceAddress(1 + i));
    }
    q.execute(TestHost.rw(NvmOpcode.WRITE, 2, 3, 4, data.deviceAddress(0),
        list.deviceAddress(0) + listAt)).assertSuccess();
    assertArrayEquals(TestHost.bytes(data, 0, 4 * 4096),
        ctrl.namespace(2).orElseThrow().readBytes(3 * 4096L, 4 * 4096));
  }

  @Test
  void twoPageTransferUsesPrp2AsThePage() throws Exception {
    start(builder());
    MemoryBlock data = host.alloc(3 * 4096);
    TestHost.fill(data, 2048, 4096, 9);
    // 4096 bytes starting mid-page: PRP1 has 2048, PRP2 the rest.
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 0, 8, data.deviceAddressOf(2048), data.deviceAddress(1)))
        .assertSuccess();
    assertArrayEquals(TestHost.bytes(data, 2048, 4096),
        ctrl.namespace(1).orElseThrow().readBytes(0, 4096));
  }

  @Test
  void misalignedPrpsAreInvalidPrpOffsets() throws Exception {
    start(builder());
    MemoryBlock data = host.alloc(4 * 4096);
    MemoryBlock list = host.alloc(4096);
    // PRP1 must be dword aligned.
    q.execute(TestHost.rw(NvmOpcode.READ, 1, 0, 1, data.deviceAddress(0) + 2, 0))
        .assertStatus(Status.INVALID_PRP_OFFSET);
    // PRP2 as the second page must be page aligned.
    q.execute(TestHost.rw(NvmOpcode.READ, 1, 0, 16, data.deviceAddress(0), data.deviceAddress(1) + 8))
        .assertStatus(Status.INVALID_PRP_OFFSET);
    // Entries in a list must be page aligned.
    list.putLong(0, data.deviceAddress(1));
    list.putLong(8, data.deviceAddress(2) + 512);
    q.execute(TestHost.rw(NvmOpcode.READ, 1, 0, 24, data.deviceAddress(0), list.deviceAddress(0)))
        .assertStatus(Status.INVALID_PRP_OFFSET);
    assertEquals(3, ctrl.commandLog().count(
        e -> e.status() != null && e.status().is(Status.INVALID_PRP_OFFSET)));
  }

  @Test
  void unmappedMemoryIsADataTransferErrorAndIsNotTouched() throws Exception {
    start(builder());
    MemoryBlock unmapped = host.allocUnmapped(8192);
    ctrl.namespace(1).orElseThrow().writeBytes(0, new byte[] {1, 2, 3, 4});
    q.execute(TestHost.rw(NvmOpcode.READ, 1, 0, 1, unmapped.deviceAddress(0), 0))
        .assertStatus(Status.DATA_TRANSFER_ERROR);
    assertEquals(0, unmapped.getByte(0));
    // An address nobody allocated.
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 0, 1, 0x1000, 0)).assertStatus(Status.DATA_TRANSFER_ERROR);
    // A list page in unmapped memory.
    MemoryBlock data = host.alloc(3 * 4096);
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 0, 24, data.deviceAddress(0), unmapped.deviceAddress(0)))
        .assertStatus(Status.DATA_TRANSFER_ERROR);
    // Memory whose mapping was closed.
    MemoryBlock gone = host.dma.allocate(4096, "gone");
    host.device.mapDma(gone).close();
    q.execute(TestHost.rw(NvmOpcode.READ, 1, 0, 1, gone.deviceAddress(0), 0))
        .assertStatus(Status.DATA_TRANSFER_ERROR);
    gone.close();
    assertArrayEquals(new byte[] {1, 2, 3, 4}, ctrl.namespace(1).orElseThrow().readBytes(0, 4),
        "the failed writes changed nothing");
  }

  @Test
  void lbaRangeIsChecked() throws Exception {
    start(builder());
    MemoryBlock data = host.alloc(4096);
    long blocks = (64L << 20) / 512;
    q.execute(TestHost.rw(NvmOpcode.READ, 1, blocks - 1, 1, data.deviceAddress(0), 0)).assertSuccess();
    q.execute(TestHost.rw(NvmOpcode.READ, 1, blocks - 1, 2, data.deviceAddress(0), data.deviceAddress(0)))
        .assertStatus(Status.LBA_OUT_OF_RANGE);
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, blocks, 1, data.deviceAddress(0), 0))
        .assertStatus(Status.LBA_OUT_OF_RANGE);
    // An SLBA so large that SLBA + NLB wraps around.
    q.execute(TestHost.rw(NvmOpcode.READ, 1, -1L, 2, data.deviceAddress(0), 0))
        .assertStatus(Status.LBA_OUT_OF_RANGE);
    q.execute(s -> s.opcode(NvmOpcode.WRITE_ZEROES.raw()).nsid(1).slba(blocks).cdw12(0))
        .assertStatus(Status.LBA_OUT_OF_RANGE);
  }

  @Test
  void transfersOverMdtsAreInvalidFields() throws Exception {
    start(builder().mdts(2));
    MemoryBlock data = host.alloc(8 * 4096);
    MemoryBlock list = host.alloc(4096);
    long[] ok = TestHost.prps(data, 0, 16384, list);
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 0, 32, ok[0], ok[1])).assertSuccess();
    long[] tooBig = TestHost.prps(data, 0, 16896, list);
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 0, 33, tooBig[0], tooBig[1]))
        .assertStatus(Status.INVALID_FIELD);
  }

  @Test
  void unknownNamespacesAndOpcodes() throws Exception {
    start(builder());
    MemoryBlock data = host.alloc(4096);
    for (int nsid : new int[] {0, 3, 1025, -1}) {
      q.execute(TestHost.rw(NvmOpcode.READ, nsid, 0, 1, data.deviceAddress(0), 0))
          .assertStatus(Status.INVALID_NAMESPACE_OR_FORMAT);
    }
    q.execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(3)).assertStatus(Status.INVALID_NAMESPACE_OR_FORMAT);
    q.execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(-1)).assertSuccess();
    q.execute(s -> s.opcode(NvmOpcode.COMPARE.raw()).nsid(1)).assertStatus(Status.INVALID_COMMAND_OPCODE);
    q.execute(s -> s.opcode(0x06).nsid(1)).assertStatus(Status.INVALID_COMMAND_OPCODE);
    // SGLs are not supported.
    q.execute(s -> s.opcode(NvmOpcode.READ.raw()).nsid(1).cdw0(NvmOpcode.READ.raw() | (1 << 14)))
        .assertStatus(Status.INVALID_FIELD);
  }

  @Test
  void datasetManagementDeallocatesRangesThatThenReadAsZeros() throws Exception {
    start(builder());
    EmulatedNamespace ns = ctrl.namespace(1).orElseThrow();
    byte[] ones = new byte[64 * 512];
    Arrays.fill(ones, (byte) 0x11);
    ns.writeBytes(0, ones);
    MemoryBlock ranges = host.alloc(4096);
    DsmRange r = new DsmRange();
    r.wrap(ranges.buffer(), 0).slba(2).length(3);
    r.wrap(ranges.buffer(), 16).slba(10).length(1);
    q.execute(s -> s.opcode(NvmOpcode.DATASET_MANAGEMENT.raw()).nsid(1).prp1(ranges.deviceAddress(0))
        .cdw10(1).cdw11(DsmRange.CDW11_AD)).assertSuccess();
    byte[] now = ns.readBytes(0, 64 * 512);
    for (int lba = 0; lba < 64; lba++) {
      boolean gone = (lba >= 2 && lba < 5) || lba == 10;
      assertEquals(gone ? 0 : 0x11, now[lba * 512] & 0xFF, "lba " + lba);
      assertEquals(gone ? 0 : 0x11, now[lba * 512 + 511] & 0xFF, "lba " + lba);
    }
    // Read back through the device too.
    MemoryBlock data = host.alloc(4096);
    TestHost.fill(data, 0, 4096, 1);
    q.execute(TestHost.rw(NvmOpcode.READ, 1, 2, 1, data.deviceAddress(0), 0)).assertSuccess();
    assertArrayEquals(new byte[512], TestHost.bytes(data, 0, 512));
    // One bad range fails the command and deallocates nothing.
    r.wrap(ranges.buffer(), 0).slba(20).length(1);
    r.wrap(ranges.buffer(), 16).slba(1L << 40).length(1);
    q.execute(s -> s.opcode(NvmOpcode.DATASET_MANAGEMENT.raw()).nsid(1).prp1(ranges.deviceAddress(0))
        .cdw10(1).cdw11(DsmRange.CDW11_AD)).assertStatus(Status.LBA_OUT_OF_RANGE);
    assertEquals(0x11, ns.readBytes(20 * 512, 1)[0]);
    // Without AD, ranges are hints only.
    r.wrap(ranges.buffer(), 0).slba(30).length(1);
    q.execute(s -> s.opcode(NvmOpcode.DATASET_MANAGEMENT.raw()).nsid(1).prp1(ranges.deviceAddress(0))
        .cdw10(0).cdw11(DsmRange.CDW11_IDR)).assertSuccess();
    assertEquals(0x11, ns.readBytes(30 * 512, 1)[0]);
  }

  @Test
  void datasetManagementTakes256Ranges() throws Exception {
    start(builder());
    EmulatedNamespace ns = ctrl.namespace(1).orElseThrow();
    byte[] ones = new byte[512 * 512];
    Arrays.fill(ones, (byte) 0x22);
    ns.writeBytes(0, ones);
    MemoryBlock ranges = host.alloc(8192);
    DsmRange r = new DsmRange();
    for (int i = 0; i < 256; i++) {
      r.wrap(ranges.buffer(), i * 16).slba(2L * i).length(1);
    }
    q.execute(s -> s.opcode(NvmOpcode.DATASET_MANAGEMENT.raw()).nsid(1).prp1(ranges.deviceAddress(0))
        .cdw10(255).cdw11(DsmRange.CDW11_AD)).assertSuccess();
    byte[] now = ns.readBytes(0, 512 * 512);
    for (int lba = 0; lba < 512; lba++) {
      assertEquals(lba % 2 == 0 ? 0 : 0x22, now[lba * 512] & 0xFF, "lba " + lba);
    }
  }

  @Test
  void writeZeroesClearsBlocks() throws Exception {
    start(builder());
    EmulatedNamespace ns = ctrl.namespace(2).orElseThrow();
    byte[] ones = new byte[4 * 4096];
    Arrays.fill(ones, (byte) 0x33);
    ns.writeBytes(0, ones);
    q.execute(s -> s.opcode(NvmOpcode.WRITE_ZEROES.raw()).nsid(2).slba(1).cdw12(1)).assertSuccess();
    byte[] now = ns.readBytes(0, 4 * 4096);
    assertEquals(0x33, now[4095] & 0xFF);
    assertEquals(0, now[4096]);
    assertEquals(0, now[3 * 4096 - 1]);
    assertEquals(0x33, now[3 * 4096] & 0xFF);
  }

  @Test
  void fuaIsRecordedInTheLog() throws Exception {
    start(builder());
    MemoryBlock data = host.alloc(4096);
    q.execute(s -> TestHost.rw(NvmOpcode.WRITE, 1, 0, 1, data.deviceAddress(0), 0)
        .andThen(x -> x.cdw12(x.cdw12() | (1 << 30))).accept(s)).assertSuccess();
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 0, 1, data.deviceAddress(0), 0)).assertSuccess();
    assertEquals(1, ctrl.commandLog().count(e -> e.is(NvmOpcode.WRITE) && e.fua()));
    assertEquals(2, ctrl.commandLog().count(NvmOpcode.WRITE));
    CommandLogEntry e = ctrl.commandLog().last(x -> x.is(NvmOpcode.WRITE)).orElseThrow();
    assertEquals(1, e.qid());
    assertEquals(1, e.nsid());
    assertEquals(data.deviceAddress(0), e.prp1());
    assertEquals(CommandLogEntry.State.COMPLETED, e.state());
    assertTrue(e.status().isSuccess());
  }

  @Test
  void nullNamespaceCompletesWithoutMovingData() throws Exception {
    start(builder().namespace(3, EmulatedNamespace.nullDevice(1L << 40, 512)));
    MemoryBlock unmapped = host.allocUnmapped(4096);
    TestHost.Completion c = q.execute(TestHost.rw(NvmOpcode.READ, 3, (1L << 31) - 8, 8,
        unmapped.deviceAddress(0), 0));
    c.assertSuccess();
    q.execute(TestHost.rw(NvmOpcode.WRITE, 3, 0, 8, unmapped.deviceAddress(0), 0)).assertSuccess();
    q.execute(TestHost.rw(NvmOpcode.READ, 3, (1L << 31) - 1, 2, 0, 0))
        .assertStatus(Status.LBA_OUT_OF_RANGE);
  }

  @Test
  void fileNamespaceStoresDataInItsFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("ns.img");
    start(builder().namespace(4, EmulatedNamespace.file(f, 1 << 20, 4096)));
    assertEquals(1 << 20, Files.size(f));
    MemoryBlock data = host.alloc(8192);
    TestHost.fill(data, 0, 8192, 3);
    q.execute(TestHost.rw(NvmOpcode.WRITE, 4, 10, 2, data.deviceAddress(0), data.deviceAddress(1)))
        .assertSuccess();
    q.execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(4)).assertSuccess();
    byte[] onDisk = Arrays.copyOfRange(Files.readAllBytes(f), 10 * 4096, 12 * 4096);
    assertArrayEquals(TestHost.bytes(data, 0, 8192), onDisk);
    q.execute(s -> s.opcode(NvmOpcode.WRITE_ZEROES.raw()).nsid(4).slba(11).cdw12(0)).assertSuccess();
    onDisk = Arrays.copyOfRange(Files.readAllBytes(f), 11 * 4096, 12 * 4096);
    assertArrayEquals(new byte[4096], onDisk);
  }

  @Test
  void inlineExecutionRunsCommandsOnTheSubmittingThread() throws Exception {
    start(builder().inlineExecution(true));
    MemoryBlock data = host.alloc(4096);
    TestHost.fill(data, 0, 4096, 5);
    q.submit(TestHost.rw(NvmOpcode.WRITE, 1, 0, 8, data.deviceAddress(0), 0));
    // Completed before the doorbell write returned: no waiting needed.
    TestHost.Completion c = q.poll().orElseThrow();
    c.assertSuccess();
    assertArrayEquals(TestHost.bytes(data, 0, 4096), ctrl.namespace(1).orElseThrow().readBytes(0, 4096));
  }

  @Test
  void queuesOfDifferentSizesAndDoorbellStrides() throws Exception {
    start(builder().dstrd(3).maxQueueEntries(4096));
    TestHost.Queue big = host.createIoQueue(2, 4096, 2);
    MemoryBlock data = host.alloc(4096);
    // Go round the small queue several times: phase tags and wrap-around.
    for (int i = 0; i < 200; i++) {
      q.execute(TestHost.rw(NvmOpcode.READ, 1, i, 1, data.deviceAddress(0), 0)).assertSuccess();
    }
    for (int i = 0; i < 10; i++) {
      big.execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1)).assertSuccess();
    }
    assertEquals(10, ctrl.commandLog().count(e -> e.qid() == 2));
  }
}
