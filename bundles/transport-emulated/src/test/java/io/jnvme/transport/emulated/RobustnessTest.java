package io.jnvme.transport.emulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.Csts;
import io.jnvme.spec.Sqe;
import io.jnvme.spec.Status;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Commands with random fields, on both queue kinds: every one completes, with whatever status,
 * and the controller stays healthy. Seeded, so a failure reproduces.
 */
class RobustnessTest {
  private static final int[] ADMIN_OPCODES = {0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0A,
      0x0D, 0x10, 0x15, 0x18, 0x7C, 0x80, 0xC0};
  private static final int[] NSIDS = {0, 1, 2, 3, -1, 0x7FFF_FFFF};

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void randomCommandsAlwaysComplete(boolean inline) throws Exception {
    try (EmulatedController c = EmulatedController.builder("fuzz").inlineExecution(inline)
            .maxIoQueues(8).namespace(1, EmulatedNamespace.memory(8L << 20, 512))
            .namespace(2, EmulatedNamespace.memory(8L << 20, 4096))
            .namespace(3, EmulatedNamespace.nullDevice(1L << 30, 512)).build();
        TestHost h = TestHost.enabled(c)) {
      TestHost.Queue io = h.createIoQueue(1, 64, 1);
      MemoryBlock scratch = h.alloc(1 << 20);
      Random r = new Random(inline ? 7 : 11);
      for (int i = 0; i < 1500; i++) {
        boolean admin = r.nextInt(4) == 0;
        TestHost.Queue q = admin ? h.admin : io;
        int cid = q.submit(s -> randomize(s, r, admin, scratch));
        TestHost.Completion done = q.await();
        assertEquals(cid, done.cid(), "command " + i);
      }
      Csts csts = h.csts();
      assertTrue(csts.rdy());
      assertFalse(csts.cfs());
      h.identify(1, 0, scratch).assertSuccess();
      // Two commands created the I/O queue, one identified at the end.
      assertEquals(1500 + 3, c.commandLog().totalRecorded());
      // Internal Error is what an exception inside the emulator turns into: there must be none.
      assertEquals(0, c.commandLog().count(e -> e.status() != null
          && e.status().is(Status.INTERNAL_ERROR)));
    }
  }

  private static void randomize(Sqe s, Random r, boolean admin, MemoryBlock scratch) {
    for (int d = 0; d < 16; d++) {
      s.cdw(d, r.nextInt());
    }
    int cdw0 = s.cdw0();
    if (r.nextInt(10) != 0) {
      cdw0 &= ~0xFF00;  // mostly no fused operation and PRPs, so that commands get past the checks
    }
    int op = admin ? ADMIN_OPCODES[r.nextInt(ADMIN_OPCODES.length)] : r.nextInt(16);
    s.cdw0((cdw0 & ~0xFF) | op);
    s.nsid(NSIDS[r.nextInt(NSIDS.length)]);
    if (r.nextBoolean()) {
      s.prp1(scratch.deviceAddressOf(r.nextInt(1 << 20) & (r.nextInt(5) == 0 ? ~0 : ~3)));
      s.prp2(scratch.deviceAddressOf(r.nextInt(1 << 20) & (r.nextBoolean() ? ~0xFFF : ~7)));
    }
    if (admin && (op == AdminOpcode.DELETE_IO_SQ.raw() || op == AdminOpcode.DELETE_IO_CQ.raw())) {
      s.cdw10(s.cdw10() | 2);  // never qid 1, the queue this test runs on
    }
    if (!admin && r.nextInt(5) != 0) {
      s.slba(r.nextInt(20_000));
      s.cdw12(s.cdw12() & 0xFFFF_FF80);  // up to 128 blocks
    }
  }
}
