package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.lockmem.internal.LockedMemoryProvider;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.ControllerStartException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.savestate.SavedStateCodec;
import io.jnvme.transport.emulated.EmulatedController;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Keepalive servicing on the real allocators: dma-lockmem refused, dma-pagepool used. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PagePoolServicingTest {
  @TempDir Path dir;
  private final EmulatedController emu = Fixture.defaultEmulator().build();
  private final ControllerOptions options = Fixture.options().withKeepalive(true);
  private PagePool pool;

  @BeforeEach
  void openPool() throws Exception {
    pool = PagePool.open(dir.resolve("pool"), 64L << 20, 0x40_0000_0000L);
  }

  @AfterEach
  void tearDown() {
    emu.close();
  }

  @Test
  void keepaliveWithLockedMemoryFailsNamingItAndStartsOnThePagePool() throws Exception {
    ControllerStartException e = assertThrows(ControllerStartException.class,
        () -> Controller.start(emu.device(), new LockedMemoryProvider().clientFor("x"), options));
    assertTrue(e.getMessage().contains("'lockmem'"), e.getMessage());
    try (Controller c = Controller.start(emu.device(), pool.clientFor(emu.device().id()),
        options)) {
      assertTrue(c.status().ioQueues().get(0).persistent());
      assertEquals("pagepool", c.status().ioQueues().get(0).allocator());
    }
  }

  @Test
  void servicingOnThePagePoolRestoresAndLeavesNothingPending() throws Exception {
    Controller c1 = Controller.start(emu.device(), pool.clientFor(emu.device().id()), options);
    byte[] data = new byte[64 * 1024];
    new Random(5).nextBytes(data);
    try (NamespaceHandle h = c1.open(1, "disk")) {
      MemoryBlock b = c1.allocateBuffer(data.length);
      b.copyFrom(ByteBuffer.wrap(data), 0);
      h.write(0, data.length / 512, b, 0, false);
      b.close();
    }
    long resets = emu.resetCount();
    byte[] saved = SavedStateCodec.encode(c1.save());
    c1.release();
    try (Controller c2 = Controller.restore(emu.device(), pool.clientFor(emu.device().id()),
        options, SavedStateCodec.decode(saved))) {
      assertEquals("restored", c2.status().lastStart());
      assertTrue(pool.validate().clean(), pool.validate().toString());
      try (NamespaceHandle h = c2.open(1, "disk")) {
        MemoryBlock b = c2.allocateBuffer(data.length);
        h.read(0, data.length / 512, b, 0);
        byte[] got = new byte[data.length];
        b.copyTo(0, ByteBuffer.wrap(got));
        assertArrayEquals(data, got);
      }
      assertEquals(resets, emu.resetCount());
    }
  }

  @Test
  void savedStateWithKeepaliveOffFreesThePoolAndValidationIsClean() throws Exception {
    Controller c1 = Controller.start(emu.device(), pool.clientFor(emu.device().id()), options);
    byte[] saved = SavedStateCodec.encode(c1.save());
    c1.release();
    long resets = emu.resetCount();
    try (Controller c2 = Controller.restore(emu.device(), pool.clientFor(emu.device().id()),
        options.withKeepalive(false), SavedStateCodec.decode(saved))) {
      assertTrue(c2.status().lastStart().startsWith("cold (keepalive is off"),
          c2.status().lastStart());
      assertTrue(emu.resetCount() > resets);
      assertTrue(pool.validate().clean(), "stale blocks freed: " + pool.validate());
    }
  }

  /**
   * Regression, found by ApiSequenceFuzzTest (input crash-f18d1a5f): an async event handled while
   * the controller was released or closed used the admin data page after the pool had handed it
   * to the next driver or freed it, and its thread died with an IllegalStateException; a caller's
   * Identify after close got the same unchecked exception. Now they are typed errors.
   */
  @Test
  void adminCommandsOnAReleasedOrClosedControllerAreTypedErrors() throws Exception {
    Controller c1 = Controller.start(emu.device(), pool.clientFor(emu.device().id()), options);
    byte[] bytes = SavedStateCodec.encode(c1.save());
    c1.release();
    Controller c2 = Controller.restore(emu.device(), pool.clientFor(emu.device().id()), options,
        SavedStateCodec.decode(bytes));
    assertEquals(ControllerFailedException.Reason.SERVICED,
        assertThrows(ControllerFailedException.class, () -> c1.identifyNamespace(1)).reason());
    assertThrows(ControllerFailedException.class, c1::rescanNamespaces);
    c2.close();
    assertEquals(ControllerFailedException.Reason.SHUT_DOWN,
        assertThrows(ControllerFailedException.class, () -> c2.identifyNamespace(1)).reason());
    assertThrows(ControllerFailedException.class, () -> c2.logPage(2, -1, 512));
  }

  @Test
  void buffersStillHeldAfterServicingInThisJvmAreNotHandedOutAgain() throws Exception {
    Controller c1 = Controller.start(emu.device(), pool.clientFor(emu.device().id()), options);
    MemoryBlock held = c1.allocateBuffer(4096);
    long heldAddress = held.deviceAddress(0);
    byte[] saved = SavedStateCodec.encode(c1.save());
    c1.release();
    try (Controller c2 = Controller.restore(emu.device(), pool.clientFor(emu.device().id()),
        options, SavedStateCodec.decode(saved))) {
      assertEquals("restored", c2.status().lastStart());
      MemoryBlock fresh = c2.allocateBuffer(4096);
      assertTrue(fresh.deviceAddress(0) != heldAddress,
          "the old driver's buffer is still its user's; its pages must not be reused");
      held.putLong(0, 0x4242424242424242L);
      assertEquals(0, fresh.getLong(0), "writes through the old buffer land in it alone");
      fresh.close();
      held.close();
      assertEquals(0, pool.validate().pending().size());
      assertEquals(c2.status().ioQueues().size() * 3 + 4, pool.validate().attached().size(),
          "only the live controller's queues are allocated once the old buffer is closed");
    }
    assertTrue(pool.validate().clean(), pool.validate().toString());
  }
}
