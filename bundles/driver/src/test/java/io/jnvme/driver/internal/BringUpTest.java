package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.driver.ControllerStartException;
import io.jnvme.driver.ControllerState;
import io.jnvme.driver.NamespaceInfo;
import io.jnvme.spec.AdminOpcode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BringUpTest {

  @Test
  void startsIdentifiesAndListsNamespaces() throws Exception {
    try (Fixture f = Fixture.started()) {
      assertEquals(ControllerState.READY, f.ctrl.state());
      assertFalse(f.ctrl.info().serialNumber().isBlank());
      assertFalse(f.ctrl.info().modelNumber().isBlank());
      List<NamespaceInfo> ns = f.ctrl.namespaces();
      assertEquals(2, ns.size());
      assertEquals(1, ns.get(0).nsid());
      assertEquals(16L << 20, ns.get(0).sizeBytes());
      assertEquals(512, ns.get(0).blockSize());
      assertEquals(2, ns.get(1).nsid());
      assertEquals(4096, ns.get(1).blockSize());
      assertEquals(8L << 20, ns.get(1).sizeBytes());
      // The first I/O queue exists from the start: CQ then SQ.
      assertEquals(1, f.emu.commandLog().count(AdminOpcode.CREATE_IO_CQ));
      assertEquals(1, f.emu.commandLog().count(AdminOpcode.CREATE_IO_SQ));
      assertEquals(1, f.ctrl.status().ioQueues().size());
    }
  }

  @Test
  void readyNeverSetFailsAtTheCapTimeoutDeadline() {
    try (Fixture f = Fixture.unstarted(Fixture.defaultEmulator().capTimeout(2))) {
      f.emu.faults().neverReady(true);
      long t0 = System.nanoTime();
      ControllerStartException e = assertThrows(ControllerStartException.class,
          () -> Controller.start(f.emu.device(), f.dma, Fixture.options()));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertEquals(ControllerStartException.Reason.READY_TIMEOUT, e.reason());
      assertTrue(e.getMessage().contains("CAP.TO=1000"), e.getMessage());
      // CAP.TO = 2 x 500 ms: the driver waits that long, and not much longer.
      assertTrue(ms >= 1000, "gave up after " + ms + " ms");
      assertTrue(ms < 6000, "took " + ms + " ms");
    }
  }

  @Test
  void registersReadingAllOnesAtStartIsDeviceGone() {
    try (Fixture f = Fixture.unstarted(Fixture.defaultEmulator())) {
      f.emu.faults().registersAllOnes(true);
      ControllerStartException e = assertThrows(ControllerStartException.class,
          () -> Controller.start(f.emu.device(), f.dma, Fixture.options()));
      assertEquals(ControllerStartException.Reason.DEVICE_GONE, e.reason());
    }
  }

  @Test
  void firstIoQueueFailingFailsStartWithTheReason() {
    try (Fixture f = Fixture.unstarted(Fixture.defaultEmulator())) {
      f.emu.faults().failIoQueueCreation(true);
      ControllerStartException e = assertThrows(ControllerStartException.class,
          () -> Controller.start(f.emu.device(), f.dma, Fixture.options()));
      assertEquals(ControllerStartException.Reason.IO_QUEUE, e.reason());
      assertTrue(e.status().isPresent(), "the device's status is carried: " + e.getMessage());
      assertTrue(e.getMessage().contains("first I/O queue"), e.getMessage());
    }
  }

  @Test
  void shutdownUsesShutdownNotification() throws Exception {
    Fixture f = Fixture.started();
    try {
      f.ctrl.close();
      assertEquals(ControllerState.SHUT_DOWN, f.ctrl.state());
      assertEquals(1, f.emu.shutdownCount());
      assertEquals(1, f.emu.commandLog().count(AdminOpcode.DELETE_IO_SQ));
      assertEquals(1, f.emu.commandLog().count(AdminOpcode.DELETE_IO_CQ));
    } finally {
      f.close();
    }
  }
}
