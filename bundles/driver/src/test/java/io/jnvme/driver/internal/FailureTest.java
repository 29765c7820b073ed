package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.CommandTimeoutException;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.ControllerState;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeException;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Status;
import io.jnvme.transport.emulated.CommandMatch;
import io.jnvme.transport.emulated.FaultAction;
import io.jnvme.transport.emulated.FaultRule;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailureTest {

  /** Submits {@code n} async reads on CPU slot 0 and returns the latch and the errors sink. */
  private static CountDownLatch submitReads(NamespaceHandle h, MemoryBlock buf, int n,
      ConcurrentLinkedQueue<NvmeException> errors) {
    CountDownLatch done = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      h.submitRead(0, i * 8L, 8, buf, i * 4096L, (ctx, e) -> {
        if (e != null) {
          errors.add(e);
        }
        done.countDown();
      }, i);
    }
    return done;
  }

  @Test
  void fatalStatusDuringIoFailsOutstandingCommandsWithATypedError() throws Exception {
    try (Fixture f = Fixture.started();
        NamespaceHandle h = f.ctrl.open(1, "test")) {
      MemoryBlock buf = f.ctrl.allocateBuffer(8 * 4096);
      f.emu.faults().add(CommandMatch.io(NvmOpcode.READ), FaultAction.drop());
      ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
      CountDownLatch done = submitReads(h, buf, 8, errors);
      f.emu.faults().setFatalStatus(true);
      assertTrue(done.await(20, TimeUnit.SECONDS), "outstanding commands did not end");
      assertEquals(8, errors.size());
      for (NvmeException e : errors) {
        ControllerFailedException c = assertInstanceOf(ControllerFailedException.class, e);
        assertEquals(ControllerFailedException.Reason.FATAL_STATUS, c.reason());
      }
      assertEquals(ControllerState.FAILED, f.ctrl.state());
      ControllerFailedException next = assertThrows(ControllerFailedException.class,
          () -> h.read(0, 1, buf, 0));
      assertEquals(ControllerFailedException.Reason.FATAL_STATUS, next.reason());
    }
  }

  @Test
  void registersReadingAllOnesDuringIoIsDeviceGone() throws Exception {
    try (Fixture f = Fixture.started();
        NamespaceHandle h = f.ctrl.open(1, "test")) {
      MemoryBlock buf = f.ctrl.allocateBuffer(4 * 4096);
      f.emu.faults().add(CommandMatch.io(NvmOpcode.READ), FaultAction.drop());
      ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
      CountDownLatch done = submitReads(h, buf, 4, errors);
      f.emu.faults().registersAllOnes(true);
      assertTrue(done.await(20, TimeUnit.SECONDS), "outstanding commands did not end");
      assertEquals(4, errors.size());
      for (NvmeException e : errors) {
        assertEquals(ControllerFailedException.Reason.DEVICE_GONE,
            assertInstanceOf(ControllerFailedException.class, e).reason());
      }
    }
  }

  @Test
  void completionWithUnknownCidIsADeviceFaultNotACrash() throws Exception {
    try (Fixture f = Fixture.started();
        NamespaceHandle h = f.ctrl.open(1, "test")) {
      MemoryBlock buf = f.ctrl.allocateBuffer(4096);
      h.read(0, 8, buf, 0);
      f.emu.faults().add(CommandMatch.io(NvmOpcode.READ), FaultAction.completionCid(0x7ABC));
      ControllerFailedException e = assertThrows(ControllerFailedException.class,
          () -> h.read(0, 8, buf, 0));
      assertEquals(ControllerFailedException.Reason.DEVICE_FAULT, e.reason());
      assertEquals(ControllerState.FAILED, f.ctrl.state());
      assertNotNull(f.ctrl.status().failure());
      assertThrows(ControllerFailedException.class, () -> h.read(0, 8, buf, 0));
    }
  }

  @Test
  void commandTimeoutReportsAndKeepsTheSlotReserved() throws Exception {
    try (Fixture f = Fixture.started(Fixture.defaultEmulator(),
            o -> o.withCommandTimeout(Duration.ofMillis(300)));
        NamespaceHandle h = f.ctrl.open(1, "test")) {
      MemoryBlock buf = f.ctrl.allocateBuffer(4096);
      FaultRule drop = f.emu.faults().add(CommandMatch.io(NvmOpcode.READ), FaultAction.drop());
      assertThrows(CommandTimeoutException.class, () -> h.read(0, 8, buf, 0));
      drop.remove();
      h.read(0, 8, buf, 0);
      assertEquals(ControllerState.READY, f.ctrl.state());
      assertEquals(1, f.ctrl.status().ioQueues().get(0).inFlight(),
          "the timed-out command still holds its slot");
    }
  }

  @Test
  void errorStatusIsCarriedUnchanged() throws Exception {
    try (Fixture f = Fixture.started();
        NamespaceHandle h = f.ctrl.open(1, "test")) {
      MemoryBlock buf = f.ctrl.allocateBuffer(4096);
      Status weird = Status.of(2, 0x99).withDnr();
      f.emu.faults().add(CommandMatch.io(NvmOpcode.READ).count(1), FaultAction.status(weird));
      NvmeException e = assertThrows(NvmeException.class, () -> h.read(0, 8, buf, 0));
      assertEquals(weird, e.status().orElseThrow());
      h.read(0, 8, buf, 0);
    }
  }

  @Test
  void ioQueueCreationFailingAtRunTimeFallsBack() throws Exception {
    try (Fixture f = Fixture.started();
        NamespaceHandle h = f.ctrl.open(1, "test")) {
      MemoryBlock buf = f.ctrl.allocateBuffer(4096);
      buf.putLong(0, 0x1122334455667788L);
      h.write(0, 8, buf, 0, false);
      f.emu.faults().failIoQueueCreation(true);
      CountDownLatch done = new CountDownLatch(1);
      ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
      buf.putLong(0, 0);
      h.submitRead(1, 0, 8, buf, 0, (ctx, e) -> {
        if (e != null) {
          errors.add(e);
        }
        done.countDown();
      }, 0);
      assertTrue(done.await(10, TimeUnit.SECONDS));
      assertTrue(errors.isEmpty(), errors.toString());
      assertEquals(0x1122334455667788L, buf.getLong(0));
      assertEquals(1, f.ctrl.status().fallbackCount());
      assertEquals(1, f.ctrl.status().ioQueues().size());
      assertEquals(2, f.emu.commandLog().count(AdminOpcode.CREATE_IO_CQ),
          "a creation was attempted at run time");
    }
  }
}
