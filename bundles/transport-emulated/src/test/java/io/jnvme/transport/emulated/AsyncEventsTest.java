package io.jnvme.transport.emulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.AsyncEvent;
import io.jnvme.spec.Bar0;
import io.jnvme.spec.ChangedNamespaceList;
import io.jnvme.spec.FeatureId;
import io.jnvme.spec.IdentifyNamespace;
import io.jnvme.spec.LogPageId;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Status;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AsyncEventsTest {
  private static final Duration QUIET = Duration.ofMillis(100);
  private EmulatedController ctrl;
  private TestHost host;
  private MemoryBlock buf;

  @BeforeEach
  void setUp() throws Exception {
    ctrl = EmulatedController.builder("aen").maxNamespaceId(2048)
        .namespace(1, EmulatedNamespace.memory(1 << 20, 512))
        .build();
    host = TestHost.enabled(ctrl);
    buf = host.alloc(4096);
  }

  @AfterEach
  void tearDown() {
    host.close();
    ctrl.close();
  }

  private int sendAer() {
    return host.admin.submit(s -> s.opcode(AdminOpcode.ASYNC_EVENT_REQUEST.raw()));
  }

  private ChangedNamespaceList readChangedList(boolean rae) throws InterruptedException {
    host.getLogPage(LogPageId.CHANGED_NAMESPACE_LIST.raw(), -1, rae, 4096, buf).assertSuccess();
    return new ChangedNamespaceList().wrap(buf.buffer(), 0);
  }

  private void assertNamespaceNotice(TestHost.Completion c, int aerCid) {
    c.assertSuccess();
    assertEquals(aerCid, c.cid());
    AsyncEvent e = new AsyncEvent(c.dw0());
    assertTrue(e.isNamespaceChanged(), e.toString());
    assertEquals(LogPageId.CHANGED_NAMESPACE_LIST.raw(), e.logPage());
  }

  @Test
  void addedNamespaceIsReportedThroughAnAer() throws Exception {
    int aer = sendAer();
    TestHost.awaitCondition(() -> ctrl.outstandingAsyncEventRequests() == 1, "AER held");
    host.admin.assertNoCompletion(QUIET);
    ctrl.addNamespace(9, EmulatedNamespace.memory(2 << 20, 4096));
    assertNamespaceNotice(host.admin.await(), aer);
    ChangedNamespaceList l = readChangedList(false);
    assertEquals(9, l.entry(0));
    assertEquals(0, l.entry(1));
    host.identify(0, 9, buf).assertSuccess();
    assertEquals(512, new IdentifyNamespace().wrap(buf.buffer(), 0).nsze());
    // Reading with RAE cleared emptied the list.
    assertEquals(0, readChangedList(false).entry(0));
    assertEquals(java.util.List.of(1, 9), ctrl.namespaceIds());
  }

  @Test
  void removedNamespaceIsReportedAndFailsIo() throws Exception {
    TestHost.Queue q = host.createIoQueue(1, 8, 1);
    int aer = sendAer();
    EmulatedNamespace removed = ctrl.removeNamespace(1);
    assertNamespaceNotice(host.admin.await(), aer);
    assertEquals(1, readChangedList(false).entry(0));
    host.identify(0, 1, buf).assertSuccess();
    assertEquals(0, new IdentifyNamespace().wrap(buf.buffer(), 0).nsze(), "inactive: zeros");
    q.execute(TestHost.rw(NvmOpcode.READ, 1, 0, 1, buf.deviceAddress(0), 0))
        .assertStatus(Status.INVALID_NAMESPACE_OR_FORMAT);
    // It can come back, with its data.
    removed.writeBytes(0, new byte[] {7});
    ctrl.addNamespace(1, removed);
    q.execute(TestHost.rw(NvmOpcode.READ, 1, 0, 1, buf.deviceAddress(0), 0)).assertSuccess();
    assertEquals(7, buf.getByte(0));
    assertThrows(IllegalArgumentException.class, () -> ctrl.removeNamespace(3));
    assertThrows(IllegalStateException.class, () -> ctrl.addNamespace(1, removed));
    assertThrows(IllegalArgumentException.class,
        () -> ctrl.addNamespace(4096, EmulatedNamespace.memory(4096, 512)));
  }

  @Test
  void resizedNamespaceIsReportedWithItsNewSize() throws Exception {
    int aer = sendAer();
    ctrl.resizeNamespace(1, 4 << 20);
    assertNamespaceNotice(host.admin.await(), aer);
    assertEquals(1, readChangedList(false).entry(0));
    host.identify(0, 1, buf).assertSuccess();
    assertEquals((4 << 20) / 512, new IdentifyNamespace().wrap(buf.buffer(), 0).nsze());
    assertThrows(IllegalArgumentException.class, () -> ctrl.resizeNamespace(1, 1000));
  }

  @Test
  void furtherNoticesWaitUntilTheLogIsReadWithRaeCleared() throws Exception {
    int first = sendAer();
    int second = sendAer();
    ctrl.notifyNamespaceChanged(1);
    assertNamespaceNotice(host.admin.await(), first);
    ctrl.addNamespace(2, EmulatedNamespace.memory(1 << 20, 512));
    host.admin.assertNoCompletion(QUIET);
    // RAE set: the list stays and the event stays masked.
    ChangedNamespaceList l = readChangedList(true);
    assertEquals(1, l.entry(0));
    assertEquals(2, l.entry(1));
    host.admin.assertNoCompletion(QUIET);
    // RAE cleared: consumed; the next change is reported to the AER that waited.
    readChangedList(false);
    host.admin.assertNoCompletion(QUIET);
    ctrl.removeNamespace(2);
    assertNamespaceNotice(host.admin.await(), second);
    assertEquals(2, readChangedList(false).entry(0));
  }

  @Test
  void moreThan1024ChangedNamespacesOverflowTheList() throws Exception {
    for (int nsid = 2; nsid <= 1026; nsid++) {
      ctrl.addNamespace(nsid, EmulatedNamespace.nullDevice(4096, 512));
    }
    int aer = sendAer();
    assertNamespaceNotice(host.admin.await(), aer);
    ChangedNamespaceList l = readChangedList(false);
    assertTrue(l.overflow());
    assertEquals(ChangedNamespaceList.OVERFLOW, l.entry(0));
    assertEquals(0, l.entry(1));
    // Cleared by the read: exactly 1024 is not an overflow.
    for (int nsid = 2; nsid <= 1025; nsid++) {
      ctrl.removeNamespace(nsid);
    }
    l = readChangedList(false);
    assertEquals(2, l.entry(0));
    assertEquals(1025, l.entry(1023));
  }

  @Test
  void namespaceNoticesCanBeTurnedOff() throws Exception {
    host.setFeature(FeatureId.ASYNC_EVENT_CONFIGURATION.raw(), 0).assertSuccess();
    sendAer();
    ctrl.addNamespace(2, EmulatedNamespace.memory(1 << 20, 512));
    host.admin.assertNoCompletion(QUIET);
    assertEquals(2, readChangedList(false).entry(0), "the list is kept all the same");
    host.setFeature(FeatureId.ASYNC_EVENT_CONFIGURATION.raw(), 1 << 8).assertSuccess();
    ctrl.removeNamespace(2);
    assertTrue(new AsyncEvent(host.admin.await().dw0()).isNamespaceChanged());
  }

  @Test
  void atMostFourRequestsAreOutstanding() throws Exception {
    for (int i = 0; i < 4; i++) {
      sendAer();
    }
    int fifth = sendAer();
    TestHost.Completion c = host.admin.await();
    assertEquals(fifth, c.cid());
    c.assertStatus(Status.ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED);
    assertEquals(4, ctrl.outstandingAsyncEventRequests());
  }

  @Test
  void resetDiscardsRequestsButKeepsUnreportedEvents() throws Exception {
    sendAer();
    TestHost.awaitCondition(() -> ctrl.outstandingAsyncEventRequests() == 1, "AER held");
    host.disable();
    assertEquals(0, ctrl.outstandingAsyncEventRequests());
    assertEquals(CommandLogEntry.State.DISCARDED,
        ctrl.commandLog().last(e -> e.is(AdminOpcode.ASYNC_EVENT_REQUEST)).orElseThrow().state());
    ctrl.addNamespace(3, EmulatedNamespace.memory(1 << 20, 512));
    host.enable(16);
    int aer = sendAer();
    assertNamespaceNotice(host.admin.await(), aer);
  }

  @Test
  void invalidDoorbellWritesRaiseErrorEvents() throws Exception {
    int aer = sendAer();
    TestHost.awaitCondition(() -> ctrl.outstandingAsyncEventRequests() == 1, "AER held");
    host.regs.write32(Bar0.sqTailDoorbell(5, host.dstrd), 1);
    TestHost.Completion c = host.admin.await();
    assertEquals(aer, c.cid());
    AsyncEvent e = new AsyncEvent(c.dw0());
    assertEquals(AsyncEvent.TYPE_ERROR, e.type());
    assertEquals(0, e.info(), "write to an invalid doorbell register");
    assertEquals(LogPageId.ERROR_INFORMATION.raw(), e.logPage());
    // Masked until the error log is read.
    int next = sendAer();
    host.regs.write32(Bar0.sqTailDoorbell(0, host.dstrd), 999);
    host.admin.assertNoCompletion(QUIET);
    host.getLogPage(LogPageId.ERROR_INFORMATION.raw(), 0, false, 4096, buf).assertSuccess();
    host.regs.write32(Bar0.cqHeadDoorbell(0, host.dstrd), 999);
    c = host.admin.await();
    assertEquals(next, c.cid());
    assertEquals(1, new AsyncEvent(c.dw0()).info(), "invalid doorbell write value");
  }
}
