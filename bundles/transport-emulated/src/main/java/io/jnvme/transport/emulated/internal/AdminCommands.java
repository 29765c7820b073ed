package io.jnvme.transport.emulated.internal;

import io.jnvme.spec.ActiveNamespaceList;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.Cns;
import io.jnvme.spec.FeatureId;
import io.jnvme.spec.LogPageId;
import io.jnvme.spec.SmartHealthLog;
import io.jnvme.spec.Sqe;
import io.jnvme.spec.Status;
import io.jnvme.spec.SupportedLogPages;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin command set (Base spec 2.0, §5). Runs with the controller lock held, one command at a
 * time. Each method sets the command's result and returns whether it completes now (an
 * Asynchronous Event Request completes later).
 */
final class AdminCommands {
  private static final Logger LOG = LoggerFactory.getLogger(AdminCommands.class);

  private static final int NSID_BROADCAST = 0xFFFF_FFFF;
  /** CNS 05h/06h: the I/O command set specific Identify structures (CDW11.CSI selects the set). */
  private static final Cns CNS_CSI_NAMESPACE = new Cns(0x05);
  private static final Cns CNS_CSI_CONTROLLER = new Cns(0x06);
  /** Command Set Identifier of the NVM command set. */
  private static final int CSI_NVM = 0;
  /** Get Features SEL values (CDW10 bits 10:8). */
  private static final int SEL_CURRENT = 0;
  private static final int SEL_DEFAULT = 1;
  private static final int SEL_SAVED = 2;
  private static final int SEL_CAPABILITIES = 3;
  /** Get Features SEL = 3 result bit 2: the feature is changeable. */
  private static final int CAPABILITY_CHANGEABLE = 1 << 2;
  /** Abort completion dword 0 bit 0: the command was not aborted. */
  private static final int ABORT_NOT_ABORTED = 1;

  private final ControllerEngine c;

  AdminCommands(ControllerEngine c) {
    this.c = c;
  }

  /** Errors the controller detects are final for the command as sent: Do Not Retry is set. */
  private static boolean fail(Command cmd, Status s) {
    cmd.result(s.withDnr(), 0);
    return true;
  }

  private static boolean ok(Command cmd, int dw0) {
    cmd.result(Status.SUCCESS, dw0);
    return true;
  }

  boolean execute(Command cmd) {
    Sqe s = cmd.sqe;
    // Fused operations are not supported (FUSES = 0), and admin commands on PCIe use PRPs only.
    if (s.fuse() != 0 || s.psdt() != 0) {
      return fail(cmd, Status.INVALID_FIELD);
    }
    int op = s.opcode();
    if (op == AdminOpcode.IDENTIFY.raw()) {
      return identify(cmd);
    } else if (op == AdminOpcode.GET_LOG_PAGE.raw()) {
      return getLogPage(cmd);
    } else if (op == AdminOpcode.SET_FEATURES.raw()) {
      return setFeatures(cmd);
    } else if (op == AdminOpcode.GET_FEATURES.raw()) {
      return getFeatures(cmd);
    } else if (op == AdminOpcode.CREATE_IO_CQ.raw()) {
      return createIoCq(cmd);
    } else if (op == AdminOpcode.CREATE_IO_SQ.raw()) {
      return createIoSq(cmd);
    } else if (op == AdminOpcode.DELETE_IO_SQ.raw()) {
      return deleteIoSq(cmd);
    } else if (op == AdminOpcode.DELETE_IO_CQ.raw()) {
      return deleteIoCq(cmd);
    } else if (op == AdminOpcode.ASYNC_EVENT_REQUEST.raw()) {
      return asyncEventRequest(cmd);
    } else if (op == AdminOpcode.ABORT.raw()) {
      // The emulator completes commands as soon as it fetches them (delays aside), so there is
      // never a command it could still abort; "not aborted" is always a correct answer.
      return ok(cmd, ABORT_NOT_ABORTED);
    }
    // Namespace Management/Attachment, Format, firmware, Keep Alive, ...: not implemented, and not
    // advertised in OACS.
    return fail(cmd, Status.INVALID_COMMAND_OPCODE);
  }

  // ---- Identify (§5.17) ----

  private boolean identify(Command cmd) {
    Sqe s = cmd.sqe;
    Cns cns = new Cns(s.cdw10() & 0xFF);
    int csi = (s.cdw11() >>> 24) & 0xFF;
    int nsid = s.nsid();
    byte[] page;
    if (cns.equals(Cns.NAMESPACE) || cns.equals(CNS_CSI_NAMESPACE)) {
      if (cns.equals(CNS_CSI_NAMESPACE) && csi != CSI_NVM) {
        return fail(cmd, Status.INVALID_FIELD);
      }
      // The broadcast NSID asks for capabilities common to all namespaces, which only a controller
      // with Namespace Management reports.
      if (!c.validNsid(nsid)) {
        return fail(cmd, Status.INVALID_NAMESPACE_OR_FORMAT);
      }
      ActiveNamespace a = c.namespaces.get(nsid);
      // An inactive NSID reads as a zero-filled structure (NSZE 0).
      page = a == null || cns.equals(CNS_CSI_NAMESPACE)
          ? new byte[4096] : IdentifyData.namespace(a);
    } else if (cns.equals(Cns.CONTROLLER)) {
      page = IdentifyData.controller(c.cfg, c.vs);
    } else if (cns.equals(CNS_CSI_CONTROLLER)) {
      if (csi != CSI_NVM) {
        return fail(cmd, Status.INVALID_FIELD);
      }
      // No NVM command set specific limits (VSL, WZSL, DMRL...): all zero.
      page = new byte[4096];
    } else if (cns.equals(Cns.ACTIVE_NAMESPACE_LIST)) {
      if (nsid == NSID_BROADCAST || nsid == 0xFFFF_FFFE) {
        return fail(cmd, Status.INVALID_NAMESPACE_OR_FORMAT);
      }
      page = activeList(nsid);
    } else if (cns.equals(Cns.NAMESPACE_ID_DESCRIPTORS)) {
      if (!c.validNsid(nsid)) {
        return fail(cmd, Status.INVALID_NAMESPACE_OR_FORMAT);
      }
      ActiveNamespace a = c.namespaces.get(nsid);
      if (a == null) {
        // §3.2.1.5: an inactive NSID in a command that uses the NSID is an invalid field.
        return fail(cmd, Status.INVALID_FIELD);
      }
      page = IdentifyData.descriptors(a);
    } else {
      return fail(cmd, Status.INVALID_FIELD);
    }
    return toHost(cmd, page, page.length);
  }

  private byte[] activeList(int after) {
    byte[] page = new byte[ActiveNamespaceList.SIZE];
    ActiveNamespaceList l =
        new ActiveNamespaceList().wrap(ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN), 0);
    int i = 0;
    for (int nsid : c.activeNsids()) {
      if (Integer.compareUnsigned(nsid, after) > 0 && i < ActiveNamespaceList.ENTRIES) {
        l.entry(i++, nsid);
      }
    }
    return page;
  }

  /** Moves {@code length} bytes of {@code data} (zero padded) to the command's PRPs. */
  private boolean toHost(Command cmd, byte[] data, long length) {
    if (length > c.cfg.mdtsBytes()) {
      return fail(cmd, Status.INVALID_FIELD);
    }
    PrpWalk w = new PrpWalk();
    Status st = w.walk(c.dma, cmd.sqe.prp1(), cmd.sqe.prp2(), length);
    if (!st.isSuccess()) {
      return fail(cmd, st);
    }
    w.toHost(data.length == length ? data : Arrays.copyOf(data, (int) length));
    return ok(cmd, 0);
  }

  // ---- Get Log Page (§5.16) ----

  private boolean getLogPage(Command cmd) {
    Sqe s = cmd.sqe;
    int lid = s.cdw10() & 0xFF;
    boolean rae = (s.cdw10() & (1 << 15)) != 0;
    long numd = ((long) (s.cdw11() & 0xFFFF) << 16 | (s.cdw10() >>> 16)) + 1;
    long length = numd * 4;
    long offset = (s.cdw12() & 0xFFFF_FFFFL) | ((long) s.cdw13() << 32);
    int uuidIndex = s.cdw14() & 0x7F;
    if ((offset & 0x3) != 0 || uuidIndex != 0) {
      return fail(cmd, Status.INVALID_FIELD);
    }
    if (length > c.cfg.mdtsBytes() || length > Constants.MAX_LOG_TRANSFER) {
      return fail(cmd, Status.INVALID_FIELD);
    }
    byte[] log;
    if (lid == LogPageId.SUPPORTED_LOG_PAGES.raw()) {
      log = supportedLogPages();
    } else if (lid == LogPageId.ERROR_INFORMATION.raw()) {
      log = c.errorLog.page();
    } else if (lid == LogPageId.SMART_HEALTH.raw()) {
      int nsid = s.nsid();
      Stats st;
      if (nsid == 0 || nsid == NSID_BROADCAST) {
        st = c.stats;
      } else if (!c.validNsid(nsid)) {
        return fail(cmd, Status.INVALID_NAMESPACE_OR_FORMAT);
      } else {
        ActiveNamespace a = c.namespaces.get(nsid);
        if (a == null) {
          return fail(cmd, Status.INVALID_FIELD);
        }
        st = a.stats;
      }
      log = smart(st);
    } else if (lid == LogPageId.CHANGED_NAMESPACE_LIST.raw()) {
      log = c.changedNamespaceList();
    } else {
      return fail(cmd, Status.INVALID_LOG_PAGE);
    }
    if (offset > log.length) {
      return fail(cmd, Status.INVALID_FIELD);
    }
    byte[] data = new byte[(int) length];
    System.arraycopy(log, (int) offset, data, 0, (int) Math.min(length, log.length - offset));
    toHost(cmd, data, length);
    if (cmd.status.isSuccess() && !rae) {
      // Reading a page with RAE cleared consumes the events it reports.
      if (lid == LogPageId.CHANGED_NAMESPACE_LIST.raw()) {
        c.clearChangedNamespaces();
      }
      c.events.logPageRead(lid);
    }
    return true;
  }

  private static byte[] supportedLogPages() {
    byte[] page = new byte[SupportedLogPages.SIZE];
    SupportedLogPages p =
        new SupportedLogPages().wrap(ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN), 0);
    for (LogPageId lid : new LogPageId[] {LogPageId.SUPPORTED_LOG_PAGES,
        LogPageId.ERROR_INFORMATION, LogPageId.SMART_HEALTH, LogPageId.CHANGED_NAMESPACE_LIST}) {
      p.entry(lid.raw(), SupportedLogPages.LSUPP);
    }
    return page;
  }

  private byte[] smart(Stats st) {
    byte[] page = new byte[SmartHealthLog.SIZE];
    SmartHealthLog l =
        new SmartHealthLog().wrap(ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN), 0);
    Features f = c.features;
    int t = Constants.TEMPERATURE_KELVIN;
    boolean hot = t > f.overTemperatureThreshold || t < f.underTemperatureThreshold;
    long hours = (System.nanoTime() - c.startNanos) / 3_600_000_000_000L;
    l.criticalWarning(hot ? SmartHealthLog.WARNING_TEMPERATURE : 0)
        .compositeTemperature(t)
        .availableSpare(100)
        .availableSpareThreshold(10)
        .percentageUsed(0)
        .dataUnitsRead(SmartHealthLog.dataUnits(st.bytesRead.sum()))
        .dataUnitsWritten(SmartHealthLog.dataUnits(st.bytesWritten.sum()))
        .hostReadCommands(st.readCommands.sum())
        .hostWriteCommands(st.writeCommands.sum())
        .powerCycles(1)
        .powerOnHours(hours)
        .mediaErrors(st.mediaErrors.sum())
        .errorLogEntries(c.errorLog.count())
        .temperatureSensor(1, t);
    return page;
  }

  // ---- Features (§5.27) ----

  private static boolean knownFeature(int fid) {
    return fid == FeatureId.ARBITRATION.raw() || fid == FeatureId.POWER_MANAGEMENT.raw()
        || fid == FeatureId.TEMPERATURE_THRESHOLD.raw() || fid == FeatureId.ERROR_RECOVERY.raw()
        || fid == FeatureId.VOLATILE_WRITE_CACHE.raw() || fid == FeatureId.NUMBER_OF_QUEUES.raw()
        || fid == FeatureId.INTERRUPT_COALESCING.raw()
        || fid == FeatureId.INTERRUPT_VECTOR_CONFIGURATION.raw()
        || fid == FeatureId.WRITE_ATOMICITY_NORMAL.raw()
        || fid == FeatureId.ASYNC_EVENT_CONFIGURATION.raw();
  }

  private boolean setFeatures(Command cmd) {
    Sqe s = cmd.sqe;
    int fid = s.cdw10() & 0xFF;
    int v = s.cdw11();
    if (!knownFeature(fid)) {
      return fail(cmd, Status.INVALID_FIELD);
    }
    // Save (SV, bit 31): no feature is saveable (ONCS bit 4 clear).
    if (s.cdw10() < 0) {
      return fail(cmd, Status.FEATURE_ID_NOT_SAVEABLE);
    }
    Features f = c.features;
    if (fid == FeatureId.ARBITRATION.raw()) {
      f.arbitration = v;
    } else if (fid == FeatureId.POWER_MANAGEMENT.raw()) {
      // One power state (NPSS = 0).
      if ((v & 0x1F) != 0) {
        return fail(cmd, Status.INVALID_FIELD);
      }
      f.powerState = v & 0xFF;
    } else if (fid == FeatureId.TEMPERATURE_THRESHOLD.raw()) {
      int tmpsel = (v >>> 16) & 0xF;
      int thsel = (v >>> 20) & 0x3;
      // Only the composite temperature (TMPSEL 0, or Fh = every implemented sensor).
      if ((tmpsel != 0 && tmpsel != 0xF) || thsel > 1) {
        return fail(cmd, Status.INVALID_FIELD);
      }
      if (thsel == 0) {
        f.overTemperatureThreshold = v & 0xFFFF;
      } else {
        f.underTemperatureThreshold = v & 0xFFFF;
      }
    } else if (fid == FeatureId.ERROR_RECOVERY.raw()) {
      // DULBE (bit 16) needs deallocated-block errors, which no namespace supports.
      if ((v & (1 << 16)) != 0) {
        return fail(cmd, Status.INVALID_FIELD);
      }
      f.errorRecovery = v & 0xFFFF;
    } else if (fid == FeatureId.VOLATILE_WRITE_CACHE.raw()) {
      f.volatileWriteCache = (v & 1) != 0;
    } else if (fid == FeatureId.NUMBER_OF_QUEUES.raw()) {
      int nsqr = v & 0xFFFF;
      int ncqr = v >>> 16;
      // 65535 would be 65536 queues, one more than a qid can name.
      if (nsqr == 0xFFFF || ncqr == 0xFFFF) {
        return fail(cmd, Status.INVALID_FIELD);
      }
      // §5.27.1.7: only before any I/O queue exists.
      if (c.ioQueuesExist()) {
        return fail(cmd, Status.COMMAND_SEQUENCE_ERROR);
      }
      f.grant(nsqr + 1, ncqr + 1);
      return ok(cmd, f.numberOfQueues());
    } else if (fid == FeatureId.INTERRUPT_COALESCING.raw()) {
      f.interruptCoalescing = v & 0xFFFF;
    } else if (fid == FeatureId.INTERRUPT_VECTOR_CONFIGURATION.raw()) {
      int iv = v & 0xFFFF;
      if (iv >= f.vectorConfig.length) {
        return fail(cmd, Status.INVALID_FIELD);
      }
      f.vectorConfig[iv] = v & 0x1FFFF;
    } else if (fid == FeatureId.WRITE_ATOMICITY_NORMAL.raw()) {
      f.writeAtomicity = v & 1;
    } else if (fid == FeatureId.ASYNC_EVENT_CONFIGURATION.raw()) {
      f.asyncEventConfig = v;
    }
    return ok(cmd, 0);
  }

  private boolean getFeatures(Command cmd) {
    Sqe s = cmd.sqe;
    int fid = s.cdw10() & 0xFF;
    int sel = (s.cdw10() >>> 8) & 0x7;
    if (!knownFeature(fid) || sel > SEL_CAPABILITIES) {
      return fail(cmd, Status.INVALID_FIELD);
    }
    if (sel == SEL_CAPABILITIES) {
      // Changeable, neither saveable nor namespace specific.
      return ok(cmd, CAPABILITY_CHANGEABLE);
    }
    // Nothing is saveable, so the saved value is the default.
    Features f = sel == SEL_DEFAULT || sel == SEL_SAVED ? new Features(c.cfg.maxIoQueues(),
        c.cfg.interruptVectors()) : c.features;
    int v;
    if (fid == FeatureId.ARBITRATION.raw()) {
      v = f.arbitration;
    } else if (fid == FeatureId.POWER_MANAGEMENT.raw()) {
      v = f.powerState;
    } else if (fid == FeatureId.TEMPERATURE_THRESHOLD.raw()) {
      int in = s.cdw11();
      int tmpsel = (in >>> 16) & 0xF;
      int thsel = (in >>> 20) & 0x3;
      if (tmpsel != 0 || thsel > 1) {
        return fail(cmd, Status.INVALID_FIELD);
      }
      v = (thsel == 0 ? f.overTemperatureThreshold : f.underTemperatureThreshold)
          | (thsel << 20);
    } else if (fid == FeatureId.ERROR_RECOVERY.raw()) {
      v = f.errorRecovery;
    } else if (fid == FeatureId.VOLATILE_WRITE_CACHE.raw()) {
      v = f.volatileWriteCache ? 1 : 0;
    } else if (fid == FeatureId.NUMBER_OF_QUEUES.raw()) {
      v = f.numberOfQueues();
    } else if (fid == FeatureId.INTERRUPT_COALESCING.raw()) {
      v = f.interruptCoalescing;
    } else if (fid == FeatureId.INTERRUPT_VECTOR_CONFIGURATION.raw()) {
      int iv = s.cdw11() & 0xFFFF;
      if (iv >= f.vectorConfig.length) {
        return fail(cmd, Status.INVALID_FIELD);
      }
      v = f.vectorConfig[iv];
    } else if (fid == FeatureId.WRITE_ATOMICITY_NORMAL.raw()) {
      v = f.writeAtomicity;
    } else {
      v = f.asyncEventConfig;
    }
    return ok(cmd, v);
  }

  // ---- Queue management (§5.4, §5.5, §5.6, §5.7) ----

  private Optional<Status> creationFault() {
    return c.faults.ioQueueCreationFailure();
  }

  private boolean createIoCq(Command cmd) {
    Optional<Status> injected = creationFault();
    if (injected.isPresent()) {
      cmd.result(injected.get(), 0);
      return true;
    }
    Sqe s = cmd.sqe;
    int qid = s.cdw10() & 0xFFFF;
    int entries = (s.cdw10() >>> 16) + 1;
    boolean pc = (s.cdw11() & 1) != 0;
    boolean ien = (s.cdw11() & 2) != 0;
    int iv = s.cdw11() >>> 16;
    if (qid == 0 || qid > c.features.grantedCqs || c.cq(qid) != null) {
      return fail(cmd, Status.INVALID_QUEUE_IDENTIFIER);
    }
    if (entries < 2 || entries > c.cfg.maxQueueEntries()) {
      return fail(cmd, Status.INVALID_QUEUE_SIZE);
    }
    if (iv >= c.interrupts.count()) {
      return fail(cmd, Status.INVALID_INTERRUPT_VECTOR);
    }
    // CAP.CQR = 1: queues must be physically contiguous.
    if (!pc) {
      return fail(cmd, Status.INVALID_FIELD);
    }
    long base = s.prp1();
    if (base == 0 || (base & Constants.PAGE_MASK) != 0) {
      return fail(cmd, Status.INVALID_PRP_OFFSET);
    }
    CompletionQueue cq = new CompletionQueue(qid, base, entries, iv, ien);
    if (!cq.ring.resolve(c.dma)) {
      return fail(cmd, Status.DATA_TRANSFER_ERROR);
    }
    c.cqs.set(qid, cq);
    LOG.debug("controller={} qid={} I/O CQ created: entries={} iv={} ien={}", c.name, qid, entries,
        iv, ien);
    return ok(cmd, 0);
  }

  private boolean createIoSq(Command cmd) {
    Optional<Status> injected = creationFault();
    if (injected.isPresent()) {
      cmd.result(injected.get(), 0);
      return true;
    }
    Sqe s = cmd.sqe;
    int qid = s.cdw10() & 0xFFFF;
    int entries = (s.cdw10() >>> 16) + 1;
    boolean pc = (s.cdw11() & 1) != 0;
    int qprio = (s.cdw11() >>> 1) & 0x3;
    int cqid = s.cdw11() >>> 16;
    if (qid == 0 || qid > c.features.grantedSqs || c.sq(qid) != null) {
      return fail(cmd, Status.INVALID_QUEUE_IDENTIFIER);
    }
    CompletionQueue cq = cqid == 0 ? null : c.cq(cqid);
    if (cq == null) {
      return fail(cmd, Status.COMPLETION_QUEUE_INVALID);
    }
    if (entries < 2 || entries > c.cfg.maxQueueEntries()) {
      return fail(cmd, Status.INVALID_QUEUE_SIZE);
    }
    if (!pc) {
      return fail(cmd, Status.INVALID_FIELD);
    }
    long base = s.prp1();
    if (base == 0 || (base & Constants.PAGE_MASK) != 0) {
      return fail(cmd, Status.INVALID_PRP_OFFSET);
    }
    SubmissionQueue sq = new SubmissionQueue(qid, base, entries, cq, qprio);
    if (!sq.ring.resolve(c.dma)) {
      return fail(cmd, Status.DATA_TRANSFER_ERROR);
    }
    c.addIoSq(sq);
    LOG.debug("controller={} qid={} I/O SQ created: entries={} cqid={}", c.name, qid, entries,
        cqid);
    return ok(cmd, 0);
  }

  private boolean deleteIoSq(Command cmd) {
    int qid = cmd.sqe.cdw10() & 0xFFFF;
    SubmissionQueue sq = qid == 0 ? null : c.sq(qid);
    if (sq == null) {
      return fail(cmd, Status.INVALID_QUEUE_IDENTIFIER);
    }
    c.deleteIoSq(sq);
    LOG.debug("controller={} qid={} I/O SQ deleted", c.name, qid);
    return ok(cmd, 0);
  }

  private boolean deleteIoCq(Command cmd) {
    int qid = cmd.sqe.cdw10() & 0xFFFF;
    CompletionQueue cq = qid == 0 ? null : c.cq(qid);
    if (cq == null) {
      return fail(cmd, Status.INVALID_QUEUE_IDENTIFIER);
    }
    if (!cq.sqs.isEmpty()) {
      return fail(cmd, Status.INVALID_QUEUE_DELETION);
    }
    c.deleteIoCq(cq);
    LOG.debug("controller={} qid={} I/O CQ deleted", c.name, qid);
    return ok(cmd, 0);
  }

  // ---- Asynchronous Event Request (§5.2) ----

  private boolean asyncEventRequest(Command cmd) {
    if (!c.events.request(cmd)) {
      return fail(cmd, Status.ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED);
    }
    return false;
  }
}
