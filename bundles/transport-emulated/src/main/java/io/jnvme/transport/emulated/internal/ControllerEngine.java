package io.jnvme.transport.emulated.internal;

import io.jnvme.device.Device;
import io.jnvme.spec.Aqa;
import io.jnvme.spec.AsyncEvent;
import io.jnvme.spec.Bar0;
import io.jnvme.spec.Cap;
import io.jnvme.spec.Cc;
import io.jnvme.spec.ChangedNamespaceList;
import io.jnvme.spec.Cqe;
import io.jnvme.spec.Csts;
import io.jnvme.spec.ErrorLogEntry;
import io.jnvme.spec.LogPageId;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Sqe;
import io.jnvme.spec.Status;
import io.jnvme.spec.Vs;
import io.jnvme.transport.emulated.CommandLog;
import io.jnvme.transport.emulated.EmulatedNamespace;
import io.jnvme.transport.emulated.FaultAction;
import io.jnvme.transport.emulated.FaultInjector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emulated controller: registers, controller state, queues and command processing. The public
 * {@code EmulatedController} is a facade over it.
 *
 * <h2>Threads and locks</h2>
 *
 * <p>Commands are fetched and executed by the worker thread, or with inline execution by the
 * thread that writes the SQ doorbell; delayed commands and the ready delay run on the worker.
 * Locks, always taken in this order:
 *
 * <ol>
 *   <li>{@link #lock}, the controller lock: register writes other than doorbells, the admin queue
 *       and every admin command, namespace changes, reset;
 *   <li>{@link SubmissionQueue#lock} of an I/O SQ: fetching from it and executing its commands;
 *   <li>the monitor of a {@link CompletionQueue}: writing its ring;
 *   <li>leaves: interrupts, the command log, the error log, fault rules.
 * </ol>
 *
 * <p>I/O command execution never takes the controller lock, so I/O queues run in parallel with
 * each other and with admin commands, and a reset (which holds the controller lock and then takes
 * each SQ lock) waits for commands in flight, after which nothing touches host memory for the old
 * queues.
 */
public final class ControllerEngine implements Worker.Poller, FaultState.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerEngine.class);
  /** CAP.CSS bit 0: the NVM command set. */
  private static final int CAP_CSS_NVM = 0x01;
  /** How long a delayed command that falls due while the controller cannot process waits again. */
  private static final long DELAY_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  /** How long close() waits for the worker to end. */
  private static final long STOP_TIMEOUT_MILLIS = 5000;

  final ControllerConfig cfg;
  final String name;
  final DmaSpace dma = new DmaSpace();
  final Interrupts interrupts;
  final FaultState faults;
  final CommandLogImpl log;
  final Features features;
  final AsyncEvents events;
  final ErrorLog errorLog = new ErrorLog(Constants.ELPE + 1);
  final Stats stats = new Stats();
  final ReentrantLock lock = new ReentrantLock();
  final Vs vs = Vs.V2_0;
  final long cap;
  final long barLength;
  final long startNanos = System.nanoTime();

  final ConcurrentHashMap<Integer, ActiveNamespace> namespaces = new ConcurrentHashMap<>();
  /** NSIDs changed since the host last read the Changed Namespace List; guarded by lock. */
  private final TreeSet<Integer> changed = new TreeSet<>(Integer::compareUnsigned);
  private boolean changedOverflow;

  /** Queues by qid; 0 is the admin pair. */
  final AtomicReferenceArray<SubmissionQueue> sqs;
  final AtomicReferenceArray<CompletionQueue> cqs;
  /** The I/O SQs, for the worker's pass; replaced on every change. */
  private volatile SubmissionQueue[] ioSqs = new SubmissionQueue[0];

  private final Worker worker;
  private final AdminCommands admin;
  private final NvmCommands nvm;
  private final EmulatedDevice device;

  private volatile int cc;
  private volatile int aqa;
  private volatile long asq;
  private volatile long acq;
  /** CC.EN as last written (the controller acted on it). */
  private volatile boolean enabled;
  private volatile boolean ready;
  /** CC.EN = 1 with an invalid configuration: CSTS.CFS until the next reset. */
  private volatile boolean configFatal;
  /** A queue ring became unreachable: CSTS.CFS until the next reset. */
  private volatile boolean dmaFatal;
  private volatile boolean readyTimerDone;
  private volatile int shst = Csts.SHST_NORMAL;
  private volatile boolean closed;
  /** Incremented by every reset; commands and timers from an older epoch are stale. */
  private volatile long epoch;
  private final AtomicLong resets = new AtomicLong();
  private final AtomicLong shutdowns = new AtomicLong();
  private final AtomicLong enables = new AtomicLong();

  public ControllerEngine(ControllerConfig cfg) {
    this.cfg = cfg;
    this.name = cfg.name();
    this.interrupts = new Interrupts(cfg.interruptVectors());
    this.faults = new FaultState(name, cfg.readyDelay());
    this.log = new CommandLogImpl(cfg.commandLogCapacity());
    this.features = new Features(cfg.maxIoQueues(), cfg.interruptVectors());
    this.events = new AsyncEvents(Constants.AERL + 1, this::complete);
    this.cap = Cap.of(cfg.maxQueueEntries() - 1, true, cfg.capTimeout(), cfg.dstrd(), CAP_CSS_NVM,
        0, 0).raw();
    long doorbells = 2L * (cfg.maxIoQueues() + 1) * (4L << cfg.dstrd());
    this.barLength = (Bar0.DOORBELL_BASE + doorbells + Constants.PAGE_MASK) & ~(long) Constants.PAGE_MASK;
    this.sqs = new AtomicReferenceArray<>(cfg.maxIoQueues() + 1);
    this.cqs = new AtomicReferenceArray<>(cfg.maxIoQueues() + 1);
    for (Map.Entry<Integer, EmulatedNamespace> e : cfg.namespaces().entrySet()) {
      namespaces.put(e.getKey(), new ActiveNamespace(name, e.getKey(), e.getValue()));
    }
    this.admin = new AdminCommands(this);
    this.nvm = new NvmCommands(this);
    this.worker = new Worker(name, this);
    this.device = new EmulatedDevice(this);
    faults.listener(this);
    worker.start();
    LOG.debug("controller={} started: {}", name, new Cap(cap));
  }

  // ---- facade ----

  public Device device() {
    return device;
  }

  public FaultInjector faults() {
    return faults;
  }

  public CommandLog commandLog() {
    return log;
  }

  public long resetCount() {
    return resets.get();
  }

  public long shutdownCount() {
    return shutdowns.get();
  }

  public long enableCount() {
    return enables.get();
  }

  public String name() {
    return name;
  }

  public boolean closed() {
    return closed;
  }

  public int outstandingAsyncEventRequests() {
    lock.lock();
    try {
      return events.outstanding();
    } finally {
      lock.unlock();
    }
  }

  /** Times vector {@code v} was raised since the controller was built. */
  public long interruptCount(int v) {
    return interrupts.get(v).signals();
  }

  public EmulatedNamespace namespace(int nsid) {
    ActiveNamespace a = namespaces.get(nsid);
    return a == null ? null : a.ns;
  }

  /** The active NSIDs in increasing order. */
  public List<Integer> activeNsids() {
    List<Integer> l = new ArrayList<>(namespaces.keySet());
    l.sort(Integer::compareUnsigned);
    return l;
  }

  /** A valid NSID: 1 to NN (Base spec 2.0, §3.2.1.2). */
  boolean validNsid(int nsid) {
    return nsid != 0 && Integer.compareUnsigned(nsid, cfg.maxNamespaceId()) <= 0;
  }

  private void checkNsid(int nsid) {
    if (!validNsid(nsid)) {
      throw new IllegalArgumentException("controller=" + name + " nsid="
          + Integer.toUnsignedString(nsid) + ": not a valid NSID (1.." + cfg.maxNamespaceId() + ")");
    }
  }

  public void addNamespace(int nsid, EmulatedNamespace ns) {
    checkNsid(nsid);
    lock.lock();
    try {
      checkOpen();
      if (namespaces.putIfAbsent(nsid, new ActiveNamespace(name, nsid, ns)) != null) {
        throw new IllegalStateException("controller=" + name + " nsid=" + nsid + ": already attached");
      }
      LOG.info("controller={} nsid={} namespace added: {}", name, nsid, ns);
      namespaceChanged(nsid);
    } finally {
      lock.unlock();
    }
  }

  public EmulatedNamespace removeNamespace(int nsid) {
    lock.lock();
    try {
      checkOpen();
      ActiveNamespace a = namespaces.remove(nsid);
      if (a == null) {
        throw new IllegalArgumentException("controller=" + name + " nsid=" + nsid + ": not attached");
      }
      LOG.info("controller={} nsid={} namespace removed", name, nsid);
      namespaceChanged(nsid);
      return a.ns;
    } finally {
      lock.unlock();
    }
  }

  public void resizeNamespace(int nsid, long sizeBytes) throws IOException {
    lock.lock();
    try {
      checkOpen();
      ActiveNamespace a = namespaces.get(nsid);
      if (a == null) {
        throw new IllegalArgumentException("controller=" + name + " nsid=" + nsid + ": not attached");
      }
      a.ns.resize(sizeBytes);
      LOG.info("controller={} nsid={} namespace resized to {} bytes", name, nsid, sizeBytes);
      namespaceChanged(nsid);
    } finally {
      lock.unlock();
    }
  }

  public void notifyNamespaceChanged(int nsid) {
    checkNsid(nsid);
    lock.lock();
    try {
      checkOpen();
      namespaceChanged(nsid);
    } finally {
      lock.unlock();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("controller=" + name + ": closed");
    }
  }

  /** Records a changed NSID and tells the host if it asked to be told. Lock held. */
  private void namespaceChanged(int nsid) {
    if (!changedOverflow) {
      changed.add(nsid);
      if (changed.size() > ChangedNamespaceList.ENTRIES) {
        changedOverflow = true;
        changed.clear();
      }
    }
    if (features.namespaceNotices()) {
      events.raise(AsyncEvent.of(AsyncEvent.TYPE_NOTICE, AsyncEvent.NOTICE_NAMESPACE_ATTRIBUTE_CHANGED,
          LogPageId.CHANGED_NAMESPACE_LIST.raw()));
    }
  }

  /** The Changed Namespace List page. Lock held. */
  byte[] changedNamespaceList() {
    byte[] page = new byte[ChangedNamespaceList.SIZE];
    ChangedNamespaceList l =
        new ChangedNamespaceList().wrap(ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN), 0);
    if (changedOverflow) {
      l.entry(0, ChangedNamespaceList.OVERFLOW);
    } else {
      int i = 0;
      for (int nsid : changed) {
        l.entry(i++, nsid);
      }
    }
    return page;
  }

  void clearChangedNamespaces() {
    changed.clear();
    changedOverflow = false;
  }

  // ---- registers (Base spec 2.0, §3.1.4) ----

  int read32(long off) {
    if (closed || faults.registersAllOnes()) {
      return -1;
    }
    if ((off & 0x3) != 0) {
      return 0;
    }
    if (off == Bar0.CAP) {
      return (int) cap;
    } else if (off == Bar0.CAP + 4) {
      return (int) (cap >>> 32);
    } else if (off == Bar0.VS) {
      return vs.raw();
    } else if (off == Bar0.INTMS || off == Bar0.INTMC) {
      return interrupts.mask();
    } else if (off == Bar0.CC) {
      return cc;
    } else if (off == Bar0.CSTS) {
      return csts();
    } else if (off == Bar0.AQA) {
      return aqa;
    } else if (off == Bar0.ASQ) {
      return (int) asq;
    } else if (off == Bar0.ASQ + 4) {
      return (int) (asq >>> 32);
    } else if (off == Bar0.ACQ) {
      return (int) acq;
    } else if (off == Bar0.ACQ + 4) {
      return (int) (acq >>> 32);
    }
    // NSSR, reserved registers and the write-only doorbells read as zero.
    return 0;
  }

  long read64(long off) {
    if (closed || faults.registersAllOnes()) {
      return -1L;
    }
    if (off == Bar0.CAP) {
      return cap;
    } else if (off == Bar0.ASQ) {
      return asq;
    } else if (off == Bar0.ACQ) {
      return acq;
    }
    return (read32(off) & 0xFFFF_FFFFL) | ((long) read32(off + 4) << 32);
  }

  void write32(long off, int v) {
    if (closed || faults.registersAllOnes() || (off & 0x3) != 0 || off < 0 || off >= barLength) {
      return;
    }
    if (off >= Bar0.DOORBELL_BASE) {
      doorbell(off, v);
      return;
    }
    lock.lock();
    try {
      if (off == Bar0.INTMS) {
        interrupts.setMask(v);
      } else if (off == Bar0.INTMC) {
        interrupts.clearMask(v);
      } else if (off == Bar0.CC) {
        writeCc(v);
      } else if (off == Bar0.AQA) {
        // Reserved bits 31:28 and 15:12 read as zero.
        aqa = v & 0x0FFF_0FFF;
      } else if (off == Bar0.ASQ) {
        asq = (asq & 0xFFFF_FFFF_0000_0000L) | (v & 0xFFFF_FFFFL);
      } else if (off == Bar0.ASQ + 4) {
        asq = (asq & 0xFFFF_FFFFL) | ((long) v << 32);
      } else if (off == Bar0.ACQ) {
        acq = (acq & 0xFFFF_FFFF_0000_0000L) | (v & 0xFFFF_FFFFL);
      } else if (off == Bar0.ACQ + 4) {
        acq = (acq & 0xFFFF_FFFFL) | ((long) v << 32);
      }
      // CAP, VS, CSTS are read only; NSSR is not supported (CAP.NSSRS = 0): ignored.
    } finally {
      lock.unlock();
    }
  }

  void write64(long off, long v) {
    if (closed || faults.registersAllOnes() || (off & 0x3) != 0) {
      return;
    }
    if (off == Bar0.ASQ || off == Bar0.ACQ) {
      lock.lock();
      try {
        if (off == Bar0.ASQ) {
          asq = v;
        } else {
          acq = v;
        }
      } finally {
        lock.unlock();
      }
      return;
    }
    write32(off, (int) v);
    write32(off + 4, (int) (v >>> 32));
  }

  private int csts() {
    boolean cfs = configFatal || dmaFatal || faults.fatalStatus();
    return Csts.of(ready, cfs, shst).raw();
  }

  /** Lock held. */
  private void writeCc(int v) {
    Cc now = new Cc(v);
    int oldShn = new Cc(cc).shn();
    cc = v;
    if (enabled && !now.en()) {
      reset(true);
      LOG.debug("controller={} reset by CC.EN=0", name);
    } else if (!enabled && now.en()) {
      enable(now);
    }
    if (now.shn() != Cc.SHN_NONE && oldShn == Cc.SHN_NONE && shst == Csts.SHST_NORMAL) {
      // Nothing is cached and nothing needs flushing: shutdown processing completes at once.
      shst = Csts.SHST_COMPLETE;
      shutdowns.incrementAndGet();
      LOG.debug("controller={} shutdown ({}) complete", name,
          now.shn() == Cc.SHN_ABRUPT ? "abrupt" : "normal");
    }
  }

  /** CC.EN 0 to 1 (Base spec 2.0, §3.5.1). Lock held. */
  private void enable(Cc c) {
    enabled = true;
    shst = Csts.SHST_NORMAL;
    enables.incrementAndGet();
    String problem = invalidConfiguration(c);
    if (problem != null) {
      configFatal = true;
      LOG.warn("controller={} enable failed, CSTS.CFS set: {}", name, problem);
      return;
    }
    Aqa a = new Aqa(aqa);
    CompletionQueue acqQ = new CompletionQueue(0, acq, a.acqsZ() + 1, 0, true);
    SubmissionQueue asqQ = new SubmissionQueue(0, asq, a.asqsZ() + 1, acqQ, 0);
    acqQ.sqs.add(asqQ);
    cqs.set(0, acqQ);
    sqs.set(0, asqQ);
    Duration delay = faults.readyDelay();
    readyTimerDone = delay.isZero();
    if (!readyTimerDone) {
      long e = epoch;
      worker.schedule(delay.toNanos(), () -> readyTimer(e));
    }
    maybeBecomeReady();
  }

  private String invalidConfiguration(Cc c) {
    Aqa a = new Aqa(aqa);
    if (c.css() != 0) {
      return "CC.CSS=" + c.css() + ": only the NVM command set (0) is supported";
    }
    if (c.mps() != 0) {
      return "CC.MPS=" + c.mps() + ": only 4 KiB pages (0) are supported";
    }
    if (c.ams() != 0) {
      return "CC.AMS=" + c.ams() + ": only round robin (0) is supported";
    }
    if (c.iosqes() != Sqe.SIZE_LOG2 || c.iocqes() != Cqe.SIZE_LOG2) {
      return "CC.IOSQES=" + c.iosqes() + " CC.IOCQES=" + c.iocqes() + ": must be 6 and 4";
    }
    if (a.asqsZ() < 1 || a.acqsZ() < 1) {
      return "AQA=0x" + Integer.toHexString(aqa) + ": admin queues need at least 2 entries";
    }
    if (asq == 0 || acq == 0 || (asq & Constants.PAGE_MASK) != 0 || (acq & Constants.PAGE_MASK) != 0) {
      return "ASQ=0x" + Long.toHexString(asq) + " ACQ=0x" + Long.toHexString(acq)
          + ": admin queue addresses must be non-zero and page aligned";
    }
    if (dma.find(asq, (long) (a.asqsZ() + 1) * Sqe.SIZE) == null
        || dma.find(acq, (long) (a.acqsZ() + 1) * Cqe.SIZE) == null) {
      return "ASQ=0x" + Long.toHexString(asq) + " ACQ=0x" + Long.toHexString(acq)
          + ": admin queue memory not mapped with Device.mapDma";
    }
    return null;
  }

  private void readyTimer(long e) {
    lock.lock();
    try {
      if (epoch == e && enabled) {
        readyTimerDone = true;
        maybeBecomeReady();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Sets CSTS.RDY once nothing holds it back. Lock held. */
  private void maybeBecomeReady() {
    if (enabled && !configFatal && readyTimerDone && !ready && !closed && !faults.neverReady()
        && !faults.fatalStatus()) {
      ready = true;
      LOG.debug("controller={} ready", name);
      worker.wake();
    }
  }

  @Override
  public void faultsChanged() {
    lock.lock();
    try {
      maybeBecomeReady();
    } finally {
      lock.unlock();
    }
    worker.wake();
  }

  /**
   * Controller reset (CC.EN 1 to 0, Base spec 2.0, §3.7.2): every queue and outstanding command
   * goes away, features return to their defaults. Lock held.
   */
  private void reset(boolean count) {
    epoch++;
    enabled = false;
    ready = false;
    configFatal = false;
    dmaFatal = false;
    readyTimerDone = false;
    for (int q = 0; q < sqs.length(); q++) {
      SubmissionQueue sq = sqs.getAndSet(q, null);
      if (sq != null) {
        // Waits for a command of this queue that is executing right now.
        sq.lock.lock();
        try {
          sq.deleted = true;
          for (Command c : sq.delayed) {
            discard(c);
          }
          sq.delayed.clear();
        } finally {
          sq.lock.unlock();
        }
      }
    }
    for (int q = 0; q < cqs.length(); q++) {
      CompletionQueue cq = cqs.getAndSet(q, null);
      if (cq != null) {
        cq.delete();
      }
    }
    ioSqs = new SubmissionQueue[0];
    for (Command c : events.reset()) {
      discard(c);
    }
    features.reset();
    interrupts.reset();
    if (count) {
      resets.incrementAndGet();
    }
  }

  /**
   * Whether commands may be fetched and completed: ready, not fatal, not shut down, present.
   */
  private boolean canProcess() {
    return ready && !closed && !configFatal && !dmaFatal && shst == Csts.SHST_NORMAL
        && !faults.fatalStatus() && !faults.registersAllOnes();
  }

  private void dmaFault(String what) {
    if (!dmaFatal) {
      LOG.error("controller={}: {}; CSTS.CFS set", name, what);
    }
    dmaFatal = true;
  }

  // ---- queues ----

  /** SQ {@code qid}, or null if there is none (any 16-bit qid may come from a host). */
  SubmissionQueue sq(int qid) {
    return qid >= 0 && qid < sqs.length() ? sqs.get(qid) : null;
  }

  /** CQ {@code qid}, or null if there is none. */
  CompletionQueue cq(int qid) {
    return qid >= 0 && qid < cqs.length() ? cqs.get(qid) : null;
  }

  boolean ioQueuesExist() {
    for (int q = 1; q < cqs.length(); q++) {
      if (cqs.get(q) != null || sqs.get(q) != null) {
        return true;
      }
    }
    return false;
  }

  /** Lock held. */
  void addIoSq(SubmissionQueue sq) {
    sqs.set(sq.qid, sq);
    sq.cq.sqs.add(sq);
    rebuildIoSqs();
  }

  /**
   * Deletes an I/O SQ; commands still held by a delay fault complete with Aborted due to SQ
   * Deletion before the deletion itself completes (Base spec 2.0, §5.6). Lock held.
   */
  void deleteIoSq(SubmissionQueue sq) {
    sq.lock.lock();
    try {
      sq.deleted = true;
      for (Command c : sq.delayed) {
        if (c.finish()) {
          c.result(Status.ABORTED_SQ_DELETION, 0);
          post(c);
        }
      }
      sq.delayed.clear();
    } finally {
      sq.lock.unlock();
    }
    sqs.set(sq.qid, null);
    sq.cq.sqs.remove(sq);
    rebuildIoSqs();
  }

  /** Lock held. */
  void deleteIoCq(CompletionQueue cq) {
    cqs.set(cq.qid, null);
    cq.delete();
  }

  private void rebuildIoSqs() {
    List<SubmissionQueue> l = new ArrayList<>();
    for (int q = 1; q < sqs.length(); q++) {
      SubmissionQueue sq = sqs.get(q);
      if (sq != null) {
        l.add(sq);
      }
    }
    l.sort(Comparator.comparingInt(s -> s.qid));
    ioSqs = l.toArray(new SubmissionQueue[0]);
  }

  // ---- doorbells (Base spec 2.0, §3.1.4.11-12) ----

  private void doorbell(long off, int value) {
    long stride = 4L << cfg.dstrd();
    long rel = off - Bar0.DOORBELL_BASE;
    if (rel % stride != 0) {
      return;
    }
    long index = rel / stride;
    if (!enabled || configFatal) {
      // Nothing listens to doorbells of a disabled controller.
      return;
    }
    if ((index >>> 1) >= sqs.length()) {
      // Past the last queue the controller has; the register window is rounded up to a page.
      invalidDoorbell((int) Math.min(index >>> 1, 0xFFFF), "doorbell beyond the last queue", 0x00);
      return;
    }
    int qid = (int) (index >>> 1);
    if ((index & 1) == 0) {
      sqTail(qid, value);
    } else {
      cqHead(qid, value);
    }
  }

  private void sqTail(int qid, int value) {
    SubmissionQueue sq = sqs.get(qid);
    if (sq == null) {
      invalidDoorbell(qid, "SQ tail doorbell of a queue that does not exist", 0x00);
      return;
    }
    if (value < 0 || value >= sq.size()) {
      invalidDoorbell(qid, "SQ tail " + value + " beyond the queue size " + sq.size(), 0x01);
      return;
    }
    sq.tail = value;
    if (!canProcess()) {
      return;
    }
    if (cfg.inlineExecution()) {
      processInline(sq);
    } else {
      worker.wake();
    }
  }

  private void cqHead(int qid, int value) {
    CompletionQueue cq = cqs.get(qid);
    if (cq == null) {
      invalidDoorbell(qid, "CQ head doorbell of a queue that does not exist", 0x00);
      return;
    }
    if (!cq.head(value)) {
      invalidDoorbell(qid, "CQ head " + value + " not within the posted entries", 0x01);
      return;
    }
    if (cq.hasHeld() && !faults.fatalStatus()) {
      int n = cq.drain(dma);
      if (n < 0) {
        dmaFault("CQ " + qid + " ring no longer mapped");
      } else if (n > 0 && cq.interruptsEnabled) {
        interrupts.fire(cq.vector);
      }
      if (!cq.hasHeld()) {
        // SQs of this CQ stopped fetching while it was full.
        worker.wake();
      }
    }
  }

  /**
   * An invalid doorbell write: the write is ignored and reported as an error event (Base spec
   * 2.0, §5.2, Figure 147: 00h write to an invalid doorbell register, 01h invalid value).
   */
  private void invalidDoorbell(int qid, String what, int info) {
    LOG.warn("controller={} qid={} invalid doorbell write ignored: {}", name, qid, what);
    lock.lock();
    try {
      errorLog.add(qid, ErrorLogEntry.NO_CID, Status.SUCCESS, 0, 0);
      events.raise(AsyncEvent.of(AsyncEvent.TYPE_ERROR, info, LogPageId.ERROR_INFORMATION.raw()));
    } finally {
      lock.unlock();
    }
  }

  // ---- command processing ----

  @Override
  public boolean poll() {
    if (!canProcess()) {
      return false;
    }
    boolean progress = false;
    SubmissionQueue a = sqs.get(0);
    if (a != null && a.hasWork()) {
      lock.lock();
      try {
        progress |= processSq(a, Constants.WORKER_BURST);
      } finally {
        lock.unlock();
      }
    }
    for (SubmissionQueue sq : ioSqs) {
      if (sq.hasWork()) {
        sq.lock.lock();
        try {
          progress |= processSq(sq, Constants.WORKER_BURST);
        } finally {
          sq.lock.unlock();
        }
      }
    }
    return progress;
  }

  private void processInline(SubmissionQueue sq) {
    ReentrantLock l = sq.qid == 0 ? lock : sq.lock;
    l.lock();
    try {
      processSq(sq, Integer.MAX_VALUE);
    } finally {
      l.unlock();
    }
  }

  /**
   * Fetches and dispatches up to {@code limit} commands of {@code sq}. The lock of the queue is
   * held (the controller lock for the admin queue).
   */
  private boolean processSq(SubmissionQueue sq, int limit) {
    int n = 0;
    while (n < limit && canProcess() && !sq.deleted && !sq.cq.hasHeld() && !sq.cq.deleted()) {
      int head = sq.head;
      if (head == sq.tail) {
        break;
      }
      if (!sq.ring.resolve(dma)) {
        dmaFault("SQ " + sq.qid + " ring no longer mapped");
        break;
      }
      Command cmd = sq.take().fetch(sq.ring.block(), sq.ring.offsetOf(head), epoch);
      sq.head = head + 1 == sq.size() ? 0 : head + 1;
      n++;
      dispatch(sq, cmd);
      sq.recycle(cmd);
    }
    return n > 0;
  }

  private void dispatch(SubmissionQueue sq, Command cmd) {
    Sqe sqe = cmd.sqe;
    FaultAction fault = faults.match(sq.qid, sqe);
    LogEntry entry = log.record(sq.qid, sqe, fault);
    cmd.fault = fault;
    cmd.log = entry;
    if (LOG.isTraceEnabled()) {
      LOG.trace("controller={} qid={} cid={} nsid={} fetched {}", name, sq.qid, sqe.cid(),
          sqe.nsid(), sqe);
    }
    if (fault instanceof FaultAction.Drop) {
      if (cmd.finish() && entry != null) {
        entry.dropped();
      }
    } else if (fault instanceof FaultAction.Fail f) {
      cmd.result(f.status(), 0);
      complete(cmd);
    } else if (fault instanceof FaultAction.Delay d) {
      sq.delayed.add(cmd);
      worker.schedule(d.duration().toNanos(), () -> runDelayed(cmd));
    } else {
      if (fault instanceof FaultAction.RewriteCommand rw) {
        // The log entry copied the command as submitted; only the execution sees the rewrite.
        sqe.cdw(rw.index(), rw.apply(sqe.cdw(rw.index())));
      }
      boolean done = run(cmd);
      // Completed on this thread, no fault and not waiting for room: nothing keeps the object.
      cmd.released = done && fault == null && !cmd.held;
    }
  }

  /** Executes {@code cmd}; true if it completed at once (false: it completes later). */
  private boolean run(Command cmd) {
    boolean done;
    try {
      done = cmd.admin() ? admin.execute(cmd) : nvm.execute(cmd);
    } catch (RuntimeException | LinkageError | AssertionError | OutOfMemoryError e) {
      // A malformed command must never take the controller down: fail it and go on.
      LOG.error("controller={} qid={} cid={} nsid={} opcode=0x{}: command failed unexpectedly",
          name, cmd.qid(), cmd.cid(), cmd.sqe.nsid(), Integer.toHexString(cmd.sqe.opcode()), e);
      cmd.result(Status.INTERNAL_ERROR, 0);
      done = true;
    }
    if (done) {
      complete(cmd);
    }
    return done;
  }

  private void runDelayed(Command cmd) {
    ReentrantLock l = cmd.admin() ? lock : cmd.sq.lock;
    l.lock();
    try {
      cmd.sq.delayed.remove(cmd);
      if (cmd.finished()) {
        return;
      }
      if (cmd.epoch != epoch || cmd.sq.deleted || closed) {
        discard(cmd);
        return;
      }
      if (!canProcess()) {
        // Fatal, shut down or absent for now: keep holding it.
        cmd.sq.delayed.add(cmd);
        worker.schedule(DELAY_RETRY_NANOS, () -> runDelayed(cmd));
        return;
      }
      run(cmd);
    } finally {
      l.unlock();
    }
  }

  /** Completes a command whose result is set, unless a reset or deletion made it stale. */
  void complete(Command cmd) {
    if (!cmd.finish()) {
      return;
    }
    if (cmd.epoch != epoch || cmd.sq.deleted || closed || faults.fatalStatus()) {
      if (cmd.log != null) {
        cmd.log.discarded();
      }
      return;
    }
    post(cmd);
  }

  /** Posts the completion of a finished command. */
  private void post(Command cmd) {
    if (cmd.fault instanceof FaultAction.RewriteStatus rs) {
      cmd.status = rs.status();
    }
    Status s = cmd.status;
    if (!s.isSuccess() && cmd.fault == null && !s.is(Status.ABORTED_SQ_DELETION)) {
      int op = cmd.sqe.opcode();
      boolean lbaCommand = !cmd.admin() && (op == NvmOpcode.READ.raw() || op == NvmOpcode.WRITE.raw()
          || op == NvmOpcode.WRITE_ZEROES.raw());
      errorLog.add(cmd.qid(), cmd.cid(), s, lbaCommand ? cmd.sqe.slba() : 0, cmd.sqe.nsid());
    }
    if (cmd.log != null) {
      cmd.log.completed(s, cmd.dw0);
    }
    int cid = cmd.fault instanceof FaultAction.RewriteCid r ? r.cid() : cmd.cid();
    CompletionQueue cq = cmd.sq.cq;
    CompletionQueue.Posted posted = cq.post(dma, cmd, cid);
    cmd.held = posted == CompletionQueue.Posted.HELD;
    switch (posted) {
      case WRITTEN:
        if (cq.interruptsEnabled) {
          interrupts.fire(cq.vector);
        }
        break;
      case UNREACHABLE:
        dmaFault("CQ " + cq.qid + " ring no longer mapped");
        break;
      default:
        break;
    }
  }

  private void discard(Command c) {
    if (c.finish() && c.log != null) {
      c.log.discarded();
    }
  }

  // ---- lifecycle ----

  /** Stops the controller: queues and commands are dropped, threads end, namespaces close. */
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      reset(false);
      closed = true;
    } finally {
      lock.unlock();
    }
    worker.stop(STOP_TIMEOUT_MILLIS);
    interrupts.wakeAll();
    for (ActiveNamespace a : namespaces.values()) {
      try {
        a.ns.close();
      } catch (RuntimeException e) {
        LOG.warn("controller={} nsid={}: closing the namespace failed", name, a.nsid, e);
      }
    }
    dma.clear();
    LOG.debug("controller={} closed", name);
  }

  @Override
  public String toString() {
    return "EmulatedController[name=" + name + " csts=" + new Csts(csts()) + " namespaces="
        + Arrays.toString(activeNsids().toArray()) + "]";
  }
}
