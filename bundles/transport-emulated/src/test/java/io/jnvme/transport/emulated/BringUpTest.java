package io.jnvme.transport.emulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.RegisterIo;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.Bar0;
import io.jnvme.spec.Cap;
import io.jnvme.spec.Cc;
import io.jnvme.spec.Csts;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Status;
import io.jnvme.spec.Vs;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BringUpTest {
  private EmulatedController ctrl;
  private TestHost host;

  private EmulatedController.Builder builder() {
    return EmulatedController.builder("bringup")
        .maxQueueEntries(256).capTimeout(7).dstrd(1).interruptVectors(4)
        .namespace(1, EmulatedNamespace.memory(1 << 20, 512));
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
  void capabilitiesAndVersionDescribeTheController() throws Exception {
    ctrl = builder().build();
    Device d = ctrl.device();
    assertEquals("emulated:bringup", d.id());
    assertEquals("emulated", d.transport());
    assertEquals(4, d.maxInterruptCount());
    RegisterIo r = d.mapBar(0);
    Cap cap = new Cap(r.read64(Bar0.CAP));
    assertEquals(256, cap.maxQueueEntries());
    assertTrue(cap.cqr());
    assertEquals(7, cap.to());
    assertEquals(1, cap.dstrd());
    assertEquals(1, cap.css() & 1);
    assertEquals(0, cap.mpsmin());
    assertEquals(0, cap.mpsmax());
    assertEquals((int) cap.raw(), r.read32(Bar0.CAP));
    assertEquals((int) (cap.raw() >>> 32), r.read32(Bar0.CAP + 4));
    assertEquals(Vs.V2_0.raw(), r.read32(Bar0.VS));
    assertEquals(0, r.read32(Bar0.CSTS));
    assertTrue(r.length() >= Bar0.sizeFor(64, 1));
    assertThrows(DeviceException.class, () -> d.mapBar(2));
    assertThrows(DeviceException.class, () -> d.mapInterrupt(4, 0));
    assertTrue(d.mapInterrupt(1, 0) == d.mapInterrupt(1, 3), "same vector, same interrupt");
  }

  @Test
  void unknownOffsetsReadZeroAndIgnoreWrites() throws Exception {
    ctrl = builder().build();
    RegisterIo r = ctrl.device().mapBar(0);
    r.write32(0x40, 0x1234);
    assertEquals(0, r.read32(0x40));
    assertEquals(0, r.read32(0xF00));
    r.write32(Bar0.CAP, 0);
    assertEquals(256, new Cap(r.read64(Bar0.CAP)).maxQueueEntries());
    r.write32(Bar0.NSSR, 0x4E564D65);
    assertEquals(0, r.read32(Bar0.NSSR));
  }

  @Test
  void enableProgramsTheAdminQueuesAndSetsReady() throws Exception {
    ctrl = builder().build();
    host = new TestHost(ctrl);
    host.enable(16);
    Csts csts = host.csts();
    assertTrue(csts.rdy());
    assertFalse(csts.cfs());
    assertEquals(Csts.SHST_NORMAL, csts.shst());
    assertEquals(host.admin.sq.deviceAddress(0), host.regs.read64(Bar0.ASQ));
    assertEquals(host.admin.cq.deviceAddress(0), host.regs.read64(Bar0.ACQ));
    assertEquals(1, ctrl.enableCount());
    // The admin queue works.
    host.identify(1, 0, host.alloc(4096)).assertSuccess();
  }

  @Test
  void invalidConfigurationSetsFatalStatusUntilReset() throws Exception {
    ctrl = builder().build();
    host = new TestHost(ctrl);
    host.startEnable(16, TestHost.defaultCc().withIosqes(5));
    TestHost.awaitCondition(() -> host.csts().cfs(), "CSTS.CFS");
    assertFalse(host.csts().rdy());
    host.regs.write32(Bar0.CC, 0);
    assertFalse(host.csts().cfs(), "a reset clears the configuration error");
    host.enable(16);
    assertTrue(host.csts().rdy());
  }

  @Test
  void everyInvalidFieldIsRejected() throws Exception {
    Cc good = TestHost.defaultCc();
    for (Cc bad : new Cc[] {good.withCss(1), good.withMps(1), good.withAms(1), good.withIocqes(5)}) {
      try (EmulatedController c = builder().build(); TestHost h = new TestHost(c)) {
        h.startEnable(16, bad);
        assertTrue(h.csts().cfs(), "rejected: " + bad);
      }
    }
    // Admin queue memory that the device was never given.
    try (EmulatedController c = builder().build(); TestHost h = new TestHost(c)) {
      RegisterIo r = h.regs;
      r.write32(Bar0.AQA, io.jnvme.spec.Aqa.of(16, 16).raw());
      r.write64(Bar0.ASQ, h.allocUnmapped(4096).deviceAddress(0));
      r.write64(Bar0.ACQ, h.alloc(4096).deviceAddress(0));
      r.write32(Bar0.CC, good.withEn(true).raw());
      assertTrue(h.csts().cfs(), "unmapped ASQ");
    }
  }

  @Test
  void readyDelayHoldsReadyBack() throws Exception {
    ctrl = builder().readyDelay(Duration.ofMillis(200)).build();
    host = new TestHost(ctrl);
    long t0 = System.nanoTime();
    host.startEnable(16, TestHost.defaultCc());
    assertFalse(host.csts().rdy());
    TestHost.awaitCondition(() -> host.csts().rdy(), "RDY after the delay");
    assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(200).toNanos());
  }

  @Test
  void resetDropsIoQueuesAndIsCounted() throws Exception {
    ctrl = builder().build();
    host = TestHost.enabled(ctrl);
    TestHost.Queue q = host.createIoQueue(1, 16, 1);
    host.disable();
    assertEquals(1, ctrl.resetCount());
    assertEquals(0, host.regs.read32(Bar0.CSTS));
    // Doorbells of the old queue are ignored while disabled, and the queue is gone afterwards.
    q.submit(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1));
    host.enable(16);
    TestHost.Completion c = host.createSq(1, 16, q.sq, 1);
    c.assertStatus(Status.COMPLETION_QUEUE_INVALID);
    // Creating the pair again works, so qid 1 was free.
    host.createIoQueue(1, 16, 1);
    assertEquals(0, ctrl.commandLog().count(NvmOpcode.FLUSH), "no flush executed");
  }

  @Test
  void shutdownNotificationCompletesAndStopsProcessing() throws Exception {
    ctrl = builder().build();
    host = TestHost.enabled(ctrl);
    TestHost.Queue q = host.createIoQueue(1, 16, 1);
    Cc cc = new Cc(host.regs.read32(Bar0.CC));
    host.regs.write32(Bar0.CC, cc.withShn(Cc.SHN_NORMAL).raw());
    TestHost.awaitCondition(() -> host.csts().shst() == Csts.SHST_COMPLETE, "shutdown complete");
    assertEquals(1, ctrl.shutdownCount());
    q.submit(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1));
    q.assertNoCompletion(Duration.ofMillis(100));
    assertEquals(0, ctrl.commandLog().count(NvmOpcode.FLUSH));
    // The host disables after shutdown; enabling again brings SHST back to normal.
    host.regs.write32(Bar0.CC, 0);
    host.enable(16);
    assertEquals(Csts.SHST_NORMAL, host.csts().shst());
    assertEquals(1, ctrl.resetCount());
  }

  @Test
  void abruptShutdownCountsToo() throws Exception {
    ctrl = builder().build();
    host = TestHost.enabled(ctrl);
    Cc cc = new Cc(host.regs.read32(Bar0.CC));
    host.regs.write32(Bar0.CC, cc.withShn(Cc.SHN_ABRUPT).raw());
    assertEquals(Csts.SHST_COMPLETE, host.csts().shst());
    assertEquals(1, ctrl.shutdownCount());
  }

  @Test
  void closingTheControllerStopsItsThreadAndMakesTheDeviceGone() throws Exception {
    ctrl = builder().build();
    host = TestHost.enabled(ctrl);
    String thread = "emu-bringup";
    assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(thread)));
    ctrl.close();
    assertFalse(Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(thread) && t.isAlive()));
    assertEquals(-1, host.regs.read32(Bar0.CSTS));
    io.jnvme.device.MemoryBlock b = host.dma.allocate(4096, "x");
    assertThrows(DeviceException.class, () -> ctrl.device().mapDma(b));
    b.close();
    ctrl.close();
  }

  @Test
  void adminCommandsBeforeReadyAreNotProcessed() throws Exception {
    ctrl = builder().build();
    host = new TestHost(ctrl);
    ctrl.faults().neverReady(true);
    host.startEnable(16, TestHost.defaultCc());
    assertFalse(host.csts().rdy());
    long buf = host.alloc(4096).deviceAddress(0);
    int cid = host.admin.submit(s -> s.opcode(AdminOpcode.IDENTIFY.raw()).cdw10(1).prp1(buf));
    host.admin.assertNoCompletion(Duration.ofMillis(100));
    ctrl.faults().neverReady(false);
    TestHost.awaitCondition(() -> host.csts().rdy(), "ready once the fault is off");
    // The doorbell written before ready was ignored; ringing again submits the command.
    host.admin.ring();
    assertEquals(cid, host.admin.await().cid());
  }
}
