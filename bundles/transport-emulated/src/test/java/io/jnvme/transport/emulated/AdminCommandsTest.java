package io.jnvme.transport.emulated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.ActiveNamespaceList;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.ErrorLogEntry;
import io.jnvme.spec.FeatureId;
import io.jnvme.spec.IdentifyController;
import io.jnvme.spec.IdentifyNamespace;
import io.jnvme.spec.LogPageId;
import io.jnvme.spec.NamespaceIdDescriptorList;
import io.jnvme.spec.NumberOfQueues;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.SmartHealthLog;
import io.jnvme.spec.Status;
import io.jnvme.spec.SupportedLogPages;
import io.jnvme.spec.Vs;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminCommandsTest {
  private static final int INACTIVE = 7;

  private EmulatedController ctrl;
  private TestHost host;
  private MemoryBlock buf;

  @BeforeEach
  void setUp() throws Exception {
    ctrl = EmulatedController.builder("admin")
        .serialNumber("SN-1").modelNumber("model").firmwareRevision("fw1")
        .mdts(5).maxIoQueues(8).interruptVectors(4).vendorId(0x1b36)
        .namespace(1, EmulatedNamespace.memory(8L << 20, 512))
        .namespace(2, EmulatedNamespace.memory(4L << 20, 4096))
        .namespace(5, EmulatedNamespace.nullDevice(1L << 40, 512))
        .build();
    host = TestHost.enabled(ctrl);
    buf = host.alloc(8192);
  }

  @AfterEach
  void tearDown() {
    host.close();
    ctrl.close();
  }

  @Test
  void identifyControllerReportsTheConfiguration() throws Exception {
    host.identify(1, 0, buf).assertSuccess();
    IdentifyController id = new IdentifyController().wrap(buf.buffer(), 0);
    assertEquals(0x1b36, id.vid());
    assertEquals("SN-1", id.sn());
    assertEquals("model", id.mn());
    assertEquals("fw1", id.fr());
    assertEquals(5, id.mdts());
    assertEquals(1024, id.nn());
    assertEquals(Vs.V2_0, id.ver());
    assertEquals(0x66, id.sqes());
    assertEquals(0x44, id.cqes());
    assertEquals(3, id.aerl());
    assertTrue((id.oaes() & IdentifyController.OAES_NAMESPACE_ATTRIBUTE_NOTICES) != 0);
    assertEquals(IdentifyController.ONCS_DSM | IdentifyController.ONCS_WRITE_ZEROES, id.oncs());
    assertEquals(1, id.vwc() & 1);
    assertTrue(id.cntlid() != 0);
    assertEquals("nqn.2026-11.io.jnvme:emulated:admin", id.subnqn());
    assertEquals(1, buf.getByte(IdentifyController.CNTRLTYPE_OFFSET));
  }

  @Test
  void identifyNamespaceReportsSizeFormatsAndIdentifiers() throws Exception {
    host.identify(0, 2, buf).assertSuccess();
    IdentifyNamespace ns = new IdentifyNamespace().wrap(buf.buffer(), 0);
    assertEquals(1024, ns.nsze());
    assertEquals(1024, ns.ncap());
    int f = ns.formatIndex();
    assertEquals(4096, ns.lbaf(f).lbaSize());
    assertEquals(0, ns.lbaf(f).ms());
    assertTrue(ns.nlbafZ() >= 1, "a few formats");
    assertEquals(512, ns.lbaf(0).lbaSize());
    byte[] nguid = ns.nguid();
    byte[] eui = ns.eui64();
    assertFalse(Arrays.equals(new byte[16], nguid));
    assertFalse(Arrays.equals(new byte[8], eui));
    assertEquals(1, ns.dlfeat() & 0x7, "deallocated blocks read as zeros");

    // Deterministic: another controller with the same name reports the same identifiers.
    try (EmulatedController twin = EmulatedController.builder("admin")
            .namespace(2, EmulatedNamespace.memory(4096, 4096)).build();
        TestHost h2 = TestHost.enabled(twin)) {
      MemoryBlock b2 = h2.alloc(4096);
      h2.identify(0, 2, b2).assertSuccess();
      IdentifyNamespace ns2 = new IdentifyNamespace().wrap(b2.buffer(), 0);
      assertArrayEquals(nguid, ns2.nguid());
      assertArrayEquals(eui, ns2.eui64());
    }
    host.identify(0, 1, buf).assertSuccess();
    assertFalse(Arrays.equals(nguid, new IdentifyNamespace().wrap(buf.buffer(), 0).nguid()),
        "each namespace has its own NGUID");
  }

  @Test
  void identifyNamespaceOfAnInactiveNsidIsAllZeroAndAnInvalidOneFails() throws Exception {
    for (int i = 0; i < 4096; i++) {
      buf.putByte(i, (byte) 0x5A);
    }
    host.identify(0, INACTIVE, buf).assertSuccess();
    for (int i = 0; i < 4096; i++) {
      assertEquals(0, buf.getByte(i), "byte " + i);
    }
    host.identify(0, 0, buf).assertStatus(Status.INVALID_NAMESPACE_OR_FORMAT);
    host.identify(0, 1025, buf).assertStatus(Status.INVALID_NAMESPACE_OR_FORMAT);
    host.identify(0, -1, buf).assertStatus(Status.INVALID_NAMESPACE_OR_FORMAT);
  }

  @Test
  void activeNamespaceListHoldsNsidsAboveTheGivenOne() throws Exception {
    host.identify(2, 0, buf).assertSuccess();
    ActiveNamespaceList l = new ActiveNamespaceList().wrap(buf.buffer(), 0);
    assertEquals(3, l.count());
    assertEquals(1, l.entry(0));
    assertEquals(2, l.entry(1));
    assertEquals(5, l.entry(2));
    host.identify(2, 2, buf).assertSuccess();
    assertEquals(1, l.count());
    assertEquals(5, l.entry(0));
    host.identify(2, 0xFFFF_FFFE, buf).assertStatus(Status.INVALID_NAMESPACE_OR_FORMAT);
  }

  @Test
  void descriptorsCopyTheIdentifyNamespaceIdentifiers() throws Exception {
    host.identify(0, 1, buf).assertSuccess();
    IdentifyNamespace ns = new IdentifyNamespace().wrap(buf.buffer(), 0);
    byte[] nguid = ns.nguid();
    byte[] eui = ns.eui64();
    host.identify(3, 1, buf).assertSuccess();
    NamespaceIdDescriptorList d = new NamespaceIdDescriptorList().wrap(buf.buffer(), 0);
    assertArrayEquals(eui, d.find(NamespaceIdDescriptorList.NIDT_EUI64));
    assertArrayEquals(nguid, d.find(NamespaceIdDescriptorList.NIDT_NGUID));
    byte[] uuid = d.find(NamespaceIdDescriptorList.NIDT_UUID);
    assertNotNull(uuid);
    assertEquals(16, uuid.length);
    assertEquals(0x30, uuid[6] & 0xF0, "RFC 4122 name-based version");
    assertArrayEquals(new byte[] {0}, d.find(NamespaceIdDescriptorList.NIDT_CSI));
    host.identify(3, INACTIVE, buf).assertStatus(Status.INVALID_FIELD);
    host.identify(3, 0, buf).assertStatus(Status.INVALID_NAMESPACE_OR_FORMAT);
  }

  @Test
  void unknownCnsAndOpcodesAreRejected() throws Exception {
    host.identify(0x10, 0, buf).assertStatus(Status.INVALID_FIELD);
    host.admin.execute(s -> s.opcode(AdminOpcode.NAMESPACE_ATTACHMENT.raw()))
        .assertStatus(Status.INVALID_COMMAND_OPCODE);
    host.admin.execute(s -> s.opcode(0xC5)).assertStatus(Status.INVALID_COMMAND_OPCODE);
    TestHost.Completion c = host.admin.execute(s -> s.opcode(AdminOpcode.KEEP_ALIVE.raw()));
    c.assertStatus(Status.INVALID_COMMAND_OPCODE);
    assertTrue(c.status().dnr(), "errors the controller detects are not retryable");
  }

  @Test
  void numberOfQueuesGrantsAtMostTheConfiguredCount() throws Exception {
    TestHost.Completion c = host.setFeature(FeatureId.NUMBER_OF_QUEUES.raw(),
        NumberOfQueues.of(100, 3).raw());
    c.assertSuccess();
    NumberOfQueues granted = new NumberOfQueues(c.dw0());
    assertEquals(8, granted.submissionQueues());
    assertEquals(3, granted.completionQueues());
    assertEquals(granted.raw(), host.getFeature(FeatureId.NUMBER_OF_QUEUES.raw(), 0, 0).dw0());
    // Queue ids beyond the grant are refused.
    TestHost.Queue q = host.new Queue(4, 8, 1);
    host.createCq(4, 8, q.cq, 1, true).assertStatus(Status.INVALID_QUEUE_IDENTIFIER);
    host.createCq(3, 8, q.cq, 1, true).assertSuccess();
    // Too late now that a queue exists.
    host.setFeature(FeatureId.NUMBER_OF_QUEUES.raw(), NumberOfQueues.of(2, 2).raw())
        .assertStatus(Status.COMMAND_SEQUENCE_ERROR);
    host.setFeature(FeatureId.NUMBER_OF_QUEUES.raw(), 0xFFFF).assertStatus(Status.INVALID_FIELD);
  }

  @Test
  void featuresKeepTheirValuesUntilReset() throws Exception {
    host.setFeature(FeatureId.VOLATILE_WRITE_CACHE.raw(), 0).assertSuccess();
    assertEquals(0, host.getFeature(FeatureId.VOLATILE_WRITE_CACHE.raw(), 0, 0).dw0());
    assertEquals(1, host.getFeature(FeatureId.VOLATILE_WRITE_CACHE.raw(), 1, 0).dw0(),
        "default");
    host.setFeature(FeatureId.ARBITRATION.raw(), 0x0102_0303).assertSuccess();
    assertEquals(0x0102_0303, host.getFeature(FeatureId.ARBITRATION.raw(), 0, 0).dw0());
    host.setFeature(FeatureId.INTERRUPT_COALESCING.raw(), 0x0A05).assertSuccess();
    assertEquals(0x0A05, host.getFeature(FeatureId.INTERRUPT_COALESCING.raw(), 0, 0).dw0());
    host.setFeature(FeatureId.TEMPERATURE_THRESHOLD.raw(), 350).assertSuccess();
    assertEquals(350, host.getFeature(FeatureId.TEMPERATURE_THRESHOLD.raw(), 0, 0).dw0());
    host.setFeature(FeatureId.TEMPERATURE_THRESHOLD.raw(), 3 << 16).assertStatus(Status.INVALID_FIELD);
    host.setFeature(FeatureId.POWER_MANAGEMENT.raw(), 0).assertSuccess();
    host.setFeature(FeatureId.POWER_MANAGEMENT.raw(), 1).assertStatus(Status.INVALID_FIELD);
    host.setFeature(FeatureId.ASYNC_EVENT_CONFIGURATION.raw(), 0).assertSuccess();
    assertEquals(0, host.getFeature(FeatureId.ASYNC_EVENT_CONFIGURATION.raw(), 0, 0).dw0());
    host.setFeature(FeatureId.INTERRUPT_VECTOR_CONFIGURATION.raw(), 3 | (1 << 16)).assertSuccess();
    assertEquals(3 | (1 << 16),
        host.getFeature(FeatureId.INTERRUPT_VECTOR_CONFIGURATION.raw(), 0, 3).dw0());
    host.setFeature(FeatureId.INTERRUPT_VECTOR_CONFIGURATION.raw(), 4).assertStatus(Status.INVALID_FIELD);
    assertEquals(4, host.getFeature(FeatureId.ARBITRATION.raw(), 3, 0).dw0() & 0x7,
        "changeable, not saveable");
    host.admin.execute(s -> s.opcode(AdminOpcode.SET_FEATURES.raw())
        .cdw10(FeatureId.ARBITRATION.raw() | (1 << 31)))
        .assertStatus(Status.FEATURE_ID_NOT_SAVEABLE);
    host.setFeature(0x7F, 0).assertStatus(Status.INVALID_FIELD);

    host.disable();
    host.enable(16);
    assertEquals(1, host.getFeature(FeatureId.VOLATILE_WRITE_CACHE.raw(), 0, 0).dw0());
    assertEquals(0, host.getFeature(FeatureId.ARBITRATION.raw(), 0, 0).dw0());
  }

  @Test
  void createQueueValidation() throws Exception {
    TestHost.Queue q = host.new Queue(1, 16, 1);
    // CQ
    host.createCq(0, 16, q.cq, 1, true).assertStatus(Status.INVALID_QUEUE_IDENTIFIER);
    host.createCq(9, 16, q.cq, 1, true).assertStatus(Status.INVALID_QUEUE_IDENTIFIER);
    host.createCq(1, 1025, q.cq, 1, true).assertStatus(Status.INVALID_QUEUE_SIZE);
    host.createCq(1, 1, q.cq, 1, true).assertStatus(Status.INVALID_QUEUE_SIZE);
    host.createCq(1, 16, q.cq, 4, true).assertStatus(Status.INVALID_INTERRUPT_VECTOR);
    host.admin.execute(s -> s.opcode(AdminOpcode.CREATE_IO_CQ.raw()).prp1(q.cq.deviceAddress(0))
        .cdw10(1 | (15 << 16)).cdw11(2)).assertStatus(Status.INVALID_FIELD);
    host.admin.execute(s -> s.opcode(AdminOpcode.CREATE_IO_CQ.raw())
        .prp1(q.cq.deviceAddress(0) + 64).cdw10(1 | (15 << 16)).cdw11(3))
        .assertStatus(Status.INVALID_PRP_OFFSET);
    MemoryBlock unmapped = host.allocUnmapped(4096);
    host.createCq(1, 16, unmapped, 1, true).assertStatus(Status.DATA_TRANSFER_ERROR);
    host.createCq(1, 16, q.cq, 1, true).assertSuccess();
    host.createCq(1, 16, q.cq, 1, true).assertStatus(Status.INVALID_QUEUE_IDENTIFIER);
    // SQ
    host.createSq(1, 16, q.sq, 0).assertStatus(Status.COMPLETION_QUEUE_INVALID);
    host.createSq(1, 16, q.sq, 2).assertStatus(Status.COMPLETION_QUEUE_INVALID);
    host.createSq(0, 16, q.sq, 1).assertStatus(Status.INVALID_QUEUE_IDENTIFIER);
    host.createSq(1, 2000, q.sq, 1).assertStatus(Status.INVALID_QUEUE_SIZE);
    host.createSq(1, 16, q.sq, 1).assertSuccess();
    host.createSq(1, 16, q.sq, 1).assertStatus(Status.INVALID_QUEUE_IDENTIFIER);
    // Delete: a CQ with an SQ cannot go.
    deleteCq(1).assertStatus(Status.INVALID_QUEUE_DELETION);
    deleteSq(2).assertStatus(Status.INVALID_QUEUE_IDENTIFIER);
    deleteSq(0).assertStatus(Status.INVALID_QUEUE_IDENTIFIER);
    deleteSq(1).assertSuccess();
    deleteCq(1).assertSuccess();
    deleteCq(1).assertStatus(Status.INVALID_QUEUE_IDENTIFIER);
  }

  private TestHost.Completion deleteSq(int qid) throws InterruptedException {
    return host.admin.execute(s -> s.opcode(AdminOpcode.DELETE_IO_SQ.raw()).cdw10(qid));
  }

  private TestHost.Completion deleteCq(int qid) throws InterruptedException {
    return host.admin.execute(s -> s.opcode(AdminOpcode.DELETE_IO_CQ.raw()).cdw10(qid));
  }

  @Test
  void ioQueuesWorkAfterCreationAndNotAfterDeletion() throws Exception {
    TestHost.Queue q = host.createIoQueue(1, 16, 1);
    q.execute(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1)).assertSuccess();
    deleteSq(1).assertSuccess();
    q.submit(s -> s.opcode(NvmOpcode.FLUSH.raw()).nsid(1));
    q.assertNoCompletion(java.time.Duration.ofMillis(50));
    assertEquals(1, ctrl.commandLog().count(NvmOpcode.FLUSH));
  }

  @Test
  void abortNeverAborts() throws Exception {
    TestHost.Completion c = host.admin.execute(s -> s.opcode(AdminOpcode.ABORT.raw()).cdw10(1 | (5 << 16)));
    c.assertSuccess();
    assertEquals(1, c.dw0() & 1);
  }

  @Test
  void smartLogCountsReadsAndWrites() throws Exception {
    TestHost.Queue q = host.createIoQueue(1, 16, 1);
    MemoryBlock data = host.alloc(8192);
    q.execute(TestHost.rw(NvmOpcode.WRITE, 1, 0, 16, data.deviceAddress(0), data.deviceAddress(1)))
        .assertSuccess();
    q.execute(TestHost.rw(NvmOpcode.WRITE, 2, 0, 1, data.deviceAddress(0), 0)).assertSuccess();
    for (int i = 0; i < 3; i++) {
      q.execute(TestHost.rw(NvmOpcode.READ, 1, 0, 1, data.deviceAddress(0), 0)).assertSuccess();
    }
    // A failed command is not counted.
    q.execute(TestHost.rw(NvmOpcode.READ, 1, 1L << 40, 1, data.deviceAddress(0), 0))
        .assertStatus(Status.LBA_OUT_OF_RANGE);
    host.getLogPage(LogPageId.SMART_HEALTH.raw(), -1, false, 512, buf).assertSuccess();
    SmartHealthLog s = new SmartHealthLog().wrap(buf.buffer(), 0);
    assertEquals(2, s.hostWriteCommands());
    assertEquals(3, s.hostReadCommands());
    assertEquals(1, s.dataUnitsWritten(), "12 KiB is 24 units of 512 bytes: 1 thousand, rounded up");
    assertEquals(1, s.dataUnitsRead());
    assertTrue(s.compositeTemperature() > 273);
    assertEquals(100, s.availableSpare());
    assertTrue(s.errorLogEntries() >= 1);
    // Per namespace.
    host.getLogPage(LogPageId.SMART_HEALTH.raw(), 2, false, 512, buf).assertSuccess();
    assertEquals(1, s.hostWriteCommands());
    assertEquals(0, s.hostReadCommands());
    host.getLogPage(LogPageId.SMART_HEALTH.raw(), INACTIVE, false, 512, buf)
        .assertStatus(Status.INVALID_FIELD);
  }

  @Test
  void errorLogRecordsFailedCommandsNewestFirst() throws Exception {
    host.identify(0x10, 0, buf);
    host.admin.execute(s -> s.opcode(0xC5));
    host.getLogPage(LogPageId.ERROR_INFORMATION.raw(), 0, false, 4096, buf).assertSuccess();
    ErrorLogEntry newest = new ErrorLogEntry().wrap(buf.buffer(), 0);
    ErrorLogEntry older = new ErrorLogEntry().wrap(buf.buffer(), 64);
    assertTrue(newest.errorCount() > older.errorCount());
    assertTrue(newest.status().is(Status.INVALID_COMMAND_OPCODE));
    assertTrue(older.status().is(Status.INVALID_FIELD));
    assertEquals(0, newest.sqid());
    assertEquals(0, new ErrorLogEntry().wrap(buf.buffer(), 128).errorCount(), "unused");
  }

  @Test
  void getLogPageValidatesItsParameters() throws Exception {
    host.getLogPage(LogPageId.SUPPORTED_LOG_PAGES.raw(), 0, false, 1024, buf).assertSuccess();
    SupportedLogPages p = new SupportedLogPages().wrap(buf.buffer(), 0);
    assertTrue(p.supported(LogPageId.SMART_HEALTH.raw()));
    assertTrue(p.supported(LogPageId.CHANGED_NAMESPACE_LIST.raw()));
    assertFalse(p.supported(LogPageId.FIRMWARE_SLOT.raw()));
    host.getLogPage(0x7F, 0, false, 512, buf).assertStatus(Status.INVALID_LOG_PAGE);
    // Beyond MDTS (128 KiB).
    host.getLogPage(LogPageId.ERROR_INFORMATION.raw(), 0, false, 256 * 1024, buf)
        .assertStatus(Status.INVALID_FIELD);
    // An offset past the end of the log.
    host.admin.execute(s -> s.opcode(AdminOpcode.GET_LOG_PAGE.raw()).prp1(buf.deviceAddress(0))
        .cdw10(LogPageId.SMART_HEALTH.raw() | (127 << 16)).cdw12(1024))
        .assertStatus(Status.INVALID_FIELD);
    // Reading a part at an offset.
    host.admin.execute(s -> s.opcode(AdminOpcode.GET_LOG_PAGE.raw()).prp1(buf.deviceAddress(0))
        .nsid(-1).cdw10(LogPageId.SMART_HEALTH.raw() | (3 << 16)).cdw12(0)).assertSuccess();
  }
}
