package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerState;
import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NamespaceInfo;
import io.jnvme.driver.NvmeException;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.Status;
import io.jnvme.transport.emulated.CommandMatch;
import io.jnvme.transport.emulated.EmulatedNamespace;
import io.jnvme.transport.emulated.FaultAction;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Namespace ownership against run-time namespace changes (seed 000 and its review). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NamespaceEventsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void removedNamespaceNeverServesIoAgainAndItsNsidStaysTakenUntilClosed() throws Exception {
    try (Fixture f = Fixture.started()) {
      NamespaceHandle old = f.ctrl.open(2, "alice");
      MemoryBlock buf = f.ctrl.allocateBuffer(4096);
      old.write(0, 1, buf, 0, false);
      f.emu.removeNamespace(2);
      assertEquals(NamespaceException.Reason.REMOVED,
          assertThrows(NamespaceException.class, () -> old.awaitResize(old.blockCount(), WAIT))
              .reason());
      NamespaceException io = assertThrows(NamespaceException.class, () -> old.read(0, 1, buf, 0));
      assertEquals(NamespaceException.Reason.REMOVED, io.reason());
      assertEquals(Status.INVALID_NAMESPACE_OR_FORMAT, io.status().orElseThrow());
      // Asking again while the old handle is open is DUPLICATE, never the removed object.
      assertEquals(NamespaceException.Reason.DUPLICATE,
          assertThrows(NamespaceException.class, () -> f.ctrl.open(2, "bob")).reason());
      NamespaceInfo listed = f.ctrl.namespaces().stream().filter(n -> n.nsid() == 2).findFirst()
          .orElseThrow();
      assertEquals("removed", listed.state());
      assertEquals("alice", listed.owner());

      old.close();
      f.emu.addNamespace(2, EmulatedNamespace.memory(32L << 20, 4096));
      NamespaceHandle fresh = awaitOpen(f, 2, "bob");
      assertNotSame(old, fresh);
      assertEquals((32L << 20) / 4096, fresh.blockCount());
      fresh.write(fresh.blockCount() - 1, 1, buf, 0, false);
      fresh.read(fresh.blockCount() - 1, 1, buf, 0);
      assertThrows(NamespaceException.class, () -> old.read(0, 1, buf, 0));
      fresh.close();
    }
  }

  /** The re-added namespace is reported asynchronously; open once Identify shows it. */
  private static NamespaceHandle awaitOpen(Fixture f, int nsid, String owner) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        return f.ctrl.open(nsid, owner);
      } catch (NamespaceException e) {
        if (e.reason() != NamespaceException.Reason.NOT_FOUND || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.onSpinWait();
      }
    }
  }

  @Test
  void resizeIsPublishedToTheOwnerAndIoPastTheOldEndWorks() throws Exception {
    try (Fixture f = Fixture.started();
        NamespaceHandle h = f.ctrl.open(1, "owner")) {
      long before = h.blockCount();
      ConcurrentLinkedQueue<long[]> told = new ConcurrentLinkedQueue<>();
      h.addResizeListener((nsid, o, n) -> told.add(new long[] {nsid, o, n}));
      MemoryBlock buf = f.ctrl.allocateBuffer(4096);
      assertThrows(NvmeException.class, () -> h.read(before, 1, buf, 0));
      f.emu.resizeNamespace(1, 32L << 20);
      long after = h.awaitResize(before, WAIT);
      assertEquals((32L << 20) / 512, after);
      assertEquals(after, h.blockCount());
      assertEquals(1, told.size());
      assertEquals(1, told.peek()[0]);
      assertEquals(before, told.peek()[1]);
      assertEquals(after, told.peek()[2]);
      h.write(before + 100, 8, buf, 0, false);
      h.read(before + 100, 8, buf, 0);
    }
  }

  @Test
  void changedListOverflowRescansEveryOpenNamespace() throws Exception {
    try (Fixture f = Fixture.started(Fixture.defaultEmulator().maxNamespaceId(4096), o -> o);
        NamespaceHandle one = f.ctrl.open(1, "a");
        NamespaceHandle two = f.ctrl.open(2, "b")) {
      // Hold the log page read back until all changes are recorded, so the list overflows.
      f.emu.faults().add(CommandMatch.admin(AdminOpcode.GET_LOG_PAGE).count(1),
          FaultAction.delay(Duration.ofMillis(500)));
      f.emu.commandLog().clear();
      for (int nsid = 100; nsid < 100 + 1100; nsid++) {
        f.emu.notifyNamespaceChanged(nsid);
      }
      for (int nsid = 1; nsid <= 2; nsid++) {
        int n = nsid;
        assertTrue(f.emu.commandLog().await(e -> e.is(AdminOpcode.IDENTIFY) && e.nsid() == n
            && (e.cdw10() & 0xFF) == 0, WAIT).isPresent(), "namespace " + n + " re-identified");
      }
      one.flush();
      two.flush();
    }
  }

  @Test
  void failedAsyncEventRequestIsShownAndIoContinues() throws Exception {
    try (Fixture f = Fixture.unstarted(Fixture.defaultEmulator())) {
      f.emu.faults().add(CommandMatch.admin(AdminOpcode.ASYNC_EVENT_REQUEST).count(1),
          FaultAction.status(Status.INTERNAL_ERROR));
      f.ctrl = Controller.start(f.emu.device(), f.dma, Fixture.options());
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (f.ctrl.status().asyncEventFailure() == null && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertNotNull(f.ctrl.status().asyncEventFailure());
      assertTrue(f.ctrl.status().asyncEventFailure().contains("INTERNAL_ERROR"),
          f.ctrl.status().asyncEventFailure());
      assertEquals(ControllerState.READY, f.ctrl.state());
      try (NamespaceHandle h = f.ctrl.open(1, "x")) {
        MemoryBlock buf = f.ctrl.allocateBuffer(4096);
        h.write(0, 8, buf, 0, false);
        h.read(0, 8, buf, 0);
      }
    }
  }

  @Test
  void exactlyOneAsyncEventRequestIsOutstanding() throws Exception {
    try (Fixture f = Fixture.started()) {
      assertTrue(f.emu.commandLog().await(e -> e.is(AdminOpcode.ASYNC_EVENT_REQUEST), WAIT)
          .isPresent());
      assertEquals(1, f.emu.outstandingAsyncEventRequests());
      try (NamespaceHandle h = f.ctrl.open(1, "x")) {
        for (int i = 0; i < 3; i++) {
          long before = h.blockCount();
          f.emu.resizeNamespace(1, (20L + i) << 20);
          h.awaitResize(before, WAIT);
        }
      }
      assertTrue(f.emu.commandLog().await(
          e -> e.is(AdminOpcode.ASYNC_EVENT_REQUEST) && f.ctrl.asyncEventRequestsOutstanding() == 1,
          WAIT).isPresent());
      assertEquals(4, f.emu.commandLog().count(AdminOpcode.ASYNC_EVENT_REQUEST));
      assertEquals(1, f.emu.outstandingAsyncEventRequests());
    }
  }

  @Test
  void removalWithIoInFlightEndsEveryCommand() throws Exception {
    try (Fixture f = Fixture.started();
        NamespaceHandle h = f.ctrl.open(2, "x")) {
      MemoryBlock buf = f.ctrl.allocateBuffer(64 * 4096);
      int n = 64;
      CountDownLatch done = new CountDownLatch(n);
      ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
      for (int i = 0; i < n; i++) {
        h.submitWrite(i % 4, i, 1, buf, i * 4096L, false, (ctx, e) -> {
          if (e != null) {
            errors.add(e);
          }
          done.countDown();
        }, i);
        if (i == n / 2) {
          f.emu.removeNamespace(2);
        }
      }
      assertTrue(done.await(20, TimeUnit.SECONDS), "every command ended");
      for (NvmeException e : errors) {
        assertTrue(e.status().orElseThrow().is(Status.INVALID_NAMESPACE_OR_FORMAT), e.toString());
      }
      assertEquals(ControllerState.READY, f.ctrl.state());
    }
  }

  @Test
  void handleDroppedWithoutCloseIsReleasedAfterGcWithAWarning() throws Exception {
    try (Fixture f = Fixture.started()) {
      PrintStream err = System.err;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        openAndDrop(f);
        long deadline = System.nanoTime() + WAIT.toNanos();
        NamespaceHandle again = null;
        while (again == null) {
          System.gc();
          try {
            again = f.ctrl.open(1, "second");
          } catch (NamespaceException e) {
            assertEquals(NamespaceException.Reason.DUPLICATE, e.reason());
            assertTrue(System.nanoTime() < deadline, "handle was never released");
            Thread.sleep(20);
          }
        }
        again.close();
      } finally {
        System.setErr(err);
      }
      String log = captured.toString(StandardCharsets.UTF_8);
      assertTrue(log.contains("namespace handle was not closed") && log.contains("nsid=1"),
          "warning logged: " + log);
    }
  }

  private static void openAndDrop(Fixture f) throws NvmeException {
    NamespaceHandle h = f.ctrl.open(1, "forgetful");
    assertInstanceOf(NamespaceHandleImpl.class, h);
    assertEquals(List.of(1), f.ctrl.namespaces().stream()
        .filter(n -> "forgetful".equals(n.owner())).map(NamespaceInfo::nsid).toList());
  }

  @Test
  void namespaceRemovedWhileNobodyHoldsItIsListedAsRemovedUntilItReturns() throws Exception {
    try (Fixture f = Fixture.started()) {
      f.emu.removeNamespace(2);
      NamespaceInfo two = f.ctrl.namespaces().stream().filter(n -> n.nsid() == 2).findFirst()
          .orElseThrow();
      assertEquals("removed", two.state());
      assertEquals(null, two.owner());
      f.emu.addNamespace(2, EmulatedNamespace.memory(4L << 20, 512));
      NamespaceInfo back = f.ctrl.namespaces().stream().filter(n -> n.nsid() == 2).findFirst()
          .orElseThrow();
      assertEquals("active", back.state());
      assertEquals(4L << 20, back.sizeBytes());
    }
  }

  @Test
  void identifiersComeFromTheDescriptorList() throws Exception {
    try (Fixture f = Fixture.started();
        NamespaceHandle h = f.ctrl.open(1, "x")) {
      NamespaceInfo listed = f.ctrl.namespaces().get(0);
      assertNotNull(listed.nguid());
      assertEquals(32, listed.nguid().length());
      assertNotNull(listed.eui64());
      assertEquals(16, listed.eui64().length());
      assertNotNull(listed.uuid());
      assertEquals(listed.uuid(), java.util.UUID.fromString(listed.uuid()).toString());
      assertTrue(f.emu.commandLog().count(e -> e.is(AdminOpcode.IDENTIFY)
          && (e.cdw10() & 0xFF) == 3 && e.nsid() == 1) > 0, "CNS 03h was used");
    }
  }

  @Test
  void theAsyncEventRequestOutlivesTheCommandTimeout() throws Exception {
    try (Fixture f = Fixture.started(Fixture.defaultEmulator(),
            o -> o.withCommandTimeout(Duration.ofMillis(200)));
        NamespaceHandle h = f.ctrl.open(1, "owner")) {
      assertTrue(f.emu.commandLog().await(e -> e.is(AdminOpcode.ASYNC_EVENT_REQUEST), WAIT)
          .isPresent());
      // Several command timeouts and timeout scans pass with no event at all.
      long until = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1200);
      while (System.nanoTime() < until) {
        h.flush();
      }
      assertEquals(null, f.ctrl.status().asyncEventFailure());
      long before = h.blockCount();
      f.emu.resizeNamespace(1, 24L << 20);
      assertEquals((24L << 20) / 512, h.awaitResize(before, WAIT), "events still arrive");
    }
  }
}
