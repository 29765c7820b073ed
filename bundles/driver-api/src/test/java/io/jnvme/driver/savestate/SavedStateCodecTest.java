package io.jnvme.driver.savestate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jnvme.driver.SavedStateException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SavedStateCodecTest {
  /** A deterministic state; the version-1 fixture was encoded from it. */
  static ControllerSavedState sample(int version) {
    byte[] identify = new byte[4096];
    for (int i = 0; i < identify.length; i++) {
      identify[i] = (byte) (i * 7);
    }
    BlockRef sq = new BlockRef("ioq1-sq", 16384, 0x40_0000_1000L);
    BlockRef cq = new BlockRef("ioq1-cq", 4096, 0x40_0000_5000L);
    BlockRef prp = new BlockRef("ioq1-prp", 1044480, 0x40_0000_6000L);
    int[] gens = new int[255];
    gens[3] = 2;
    QueueState io = new QueueState(1, 0, 1, 256, 17, 12, 9, false, 1, sq, cq, prp, gens,
        List.of(new PendingCommand(0x203, 1, 1, false), new PendingCommand(0x04, 2, 1, true)));
    QueueState admin = new QueueState(0, 0, 0, 64, 5, 4, 4, true, 1,
        new BlockRef("adminq-sq", 4096, 0x40_0010_0000L),
        new BlockRef("adminq-cq", 4096, 0x40_0010_1000L),
        new BlockRef("adminq-prp", 258048, 0x40_0010_2000L), new int[63],
        List.of(new PendingCommand(0x101, 0x0C, 0, false)));
    return new ControllerSavedState(version, "emulated:nvme0", "nvme0", 1_795_000_000_000L,
        identify, 1 << 20, 7, 4, 4, 2, version >= 2 ? 3 : 0,
        new BlockRef("admin-data", 8192, 0x40_0020_0000L), admin, List.of(io),
        new int[] {1, 1, 0, 0},
        List.of(new NamespaceState(1, Arrays.copyOf(identify, 4096), version >= 2 ? "disk" : null)));
  }

  private static void assertSame(ControllerSavedState a, ControllerSavedState b) {
    assertArrayEquals(SavedStateCodec.encode(a), SavedStateCodec.encode(b));
  }

  @Test
  void roundTripsTheCurrentVersion() throws Exception {
    ControllerSavedState s = sample(SavedStateCodec.CURRENT_VERSION);
    ControllerSavedState d = SavedStateCodec.decode(SavedStateCodec.encode(s));
    assertSame(s, d);
    assertEquals("disk", d.namespaces().get(0).owner());
    assertEquals(3, d.fallbackCount());
    assertEquals(2, d.pendingIoCommands());
    assertEquals(0x203, d.ioQueues().get(0).pending().get(0).cid());
  }

  @Test
  void versionOneFixtureStillDecodes() throws Exception {
    byte[] fixture;
    try (InputStream in = getClass().getResourceAsStream("/savestate/v1-fixture.bin")) {
      fixture = in.readAllBytes();
    }
    ControllerSavedState d = SavedStateCodec.decode(fixture);
    assertEquals(1, d.version());
    assertEquals(0, d.fallbackCount(), "version 1 has no fallback count");
    assertNull(d.namespaces().get(0).owner(), "version 1 has no owners");
    assertSame(sample(1), d);
    assertEquals("emulated:nvme0", d.deviceId());
    assertEquals(17, d.ioQueues().get(0).sqTail());
    assertEquals(true, d.ioQueues().get(0).pending().get(1).timedOut());
  }

  @Test
  void corruptBytesGiveATypedErrorAndNothingElse() {
    byte[] good = SavedStateCodec.encode(sample(2));
    Random r = new Random(42);
    for (int i = 0; i < 2000; i++) {
      byte[] bad;
      switch (i % 3) {
        case 0 -> {
          bad = good.clone();
          bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
        }
        case 1 -> bad = Arrays.copyOf(good, r.nextInt(good.length));
        default -> {
          bad = new byte[r.nextInt(200)];
          r.nextBytes(bad);
        }
      }
      SavedStateException e = assertThrows(SavedStateException.class,
          () -> SavedStateCodec.decode(bad), "case " + i);
      assertEquals(SavedStateException.Reason.CORRUPT, e.reason());
    }
  }

  @Test
  void aValidChecksumDoesNotMakeNonsenseAcceptable() {
    // Indices outside the ring are refused even when the bytes are intact.
    ControllerSavedState s = sample(2);
    QueueState q = s.ioQueues().get(0);
    QueueState broken = new QueueState(q.qid(), q.cpu(), q.vector(), q.entries(), 999,
        q.sqHead(), q.cqHead(), q.phase(), q.prpPagesPerSlot(), q.sq(), q.cq(), q.prp(),
        q.generations(), q.pending());
    ControllerSavedState bad = new ControllerSavedState(2, s.deviceId(), s.name(),
        s.savedAtMillis(), s.identifyController(), s.maxTransferBytes(), s.grantedIoQueues(),
        s.maxIoQueues(), s.cpuCount(), s.nextQid(), s.fallbackCount(), s.adminData(), s.admin(),
        List.of(broken), s.cpuQueues(), s.namespaces());
    assertEquals(SavedStateException.Reason.CORRUPT, assertThrows(SavedStateException.class,
        () -> SavedStateCodec.decode(SavedStateCodec.encode(bad))).reason());
  }
}
