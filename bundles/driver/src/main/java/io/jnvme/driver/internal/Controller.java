package io.jnvme.driver.internal;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceInterrupt;
import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaException;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import io.jnvme.device.RegisterIo;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.ControllerInfo;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.ControllerStartException;
import io.jnvme.driver.ControllerState;
import io.jnvme.driver.ControllerStatus;
import io.jnvme.driver.IoQueueInfo;
import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NamespaceInfo;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.ResourceException;
import io.jnvme.spec.AdminOpcode;
import io.jnvme.spec.AsyncEvent;
import io.jnvme.spec.ChangedNamespaceList;
import io.jnvme.spec.LogPageId;
import io.jnvme.spec.Aqa;
import io.jnvme.spec.Cap;
import io.jnvme.spec.Cc;
import io.jnvme.spec.Cns;
import io.jnvme.spec.Csts;
import io.jnvme.spec.Cqe;
import io.jnvme.spec.FeatureId;
import io.jnvme.spec.IdentifyController;
import io.jnvme.spec.IdentifyNamespace;
import io.jnvme.spec.Sqe;
import io.jnvme.driver.SavedStateException;
import io.jnvme.driver.savestate.BlockRef;
import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.driver.savestate.InFlightHandover;
import io.jnvme.driver.savestate.QueueState;
import io.jnvme.driver.savestate.SavedStateCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One NVMe controller: bring-up, the admin queue, lazily created per-CPU I/O queue pairs,
 * namespaces, health monitoring, failure handling and orderly shutdown.
 *
 * <p>Bring-up (Base spec 2.0, §3.5.1 "Memory-based Controller Initialization"): read CAP; reset if
 * enabled (wait CSTS.RDY = 0); program AQA, ASQ, ACQ; enable with IOSQES = 6, IOCQES = 4, MPS = 0;
 * wait CSTS.RDY = 1; Identify Controller; Set Features Number of Queues; create the I/O queue of
 * CPU slot 0. Every wait is bounded by CAP.TO, every command by the command timeout.
 */
public final class Controller implements NvmeController {
  private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
  private static final int PAGE = MemoryBlock.PAGE_SIZE;
  /** NLB is a 16-bit zero-based field: at most 65536 blocks per command. */
  private static final int MAX_NLB = 65536;

  private final Device device;
  /** The allocator new queues and buffers come from; swapped at run time, null when none. */
  private volatile DmaClient dma;
  private final ControllerOptions options;
  private final String name;
  private final Registers regs;
  private final Cap cap;
  private final long timeoutNanos;
  private final int cpuCount;

  private volatile ControllerState state = ControllerState.STARTING;
  private volatile String failure;
  /** Why the controller stopped serving (failed, shut down, released); null while it serves. */
  private volatile ControllerFailedException stopped;
  private final Object failLock = new Object();

  private final Map<Integer, VectorWorker> workers = new TreeMap<>();
  private QueuePair admin;
  private MemoryBlock adminData;
  private DmaMapping adminDataMapping;
  /** Serialises admin commands that use the shared admin data page. */
  private final Object adminDataLock = new Object();

  private final List<QueuePair> ioQueues = new CopyOnWriteArrayList<>();
  private final AtomicReferenceArray<QueuePair> queueForCpu;
  private final Object queueCreateLock = new Object();
  private int nextQid = 1;
  private int grantedIoQueues;
  private int maxIoQueues;
  private final AtomicInteger fallbackCount = new AtomicInteger();

  private ByteBuffer identify;
  private ControllerInfo info;
  private long maxTransferBytes;
  private int prpPagesPerSlot;

  final Set<MappedBuffer> buffers = ConcurrentHashMap.newKeySet();
  private final NamespaceRegistry namespaces;

  /** Handles async events off the completion thread: they need synchronous admin commands. */
  private final ExecutorService events;
  private final AtomicInteger aerOutstanding = new AtomicInteger();
  private volatile String asyncEventFailure;
  private final DwordCompletion aerCompletion = this::onAsyncEvent;

  private volatile String lastStart = "cold";
  /** Commands from before a restore still outstanding on I/O queues; new I/O waits for 0. */
  private final AtomicInteger drainRemaining = new AtomicInteger();
  private final Object drainLock = new Object();
  /** Test hook: called with each save stage's name; throwing there fails the save. */
  static volatile java.util.function.Consumer<String> saveStageHook = stage -> { };

  private Controller(Device device, DmaClient dma, ControllerOptions options, Registers regs) {
    this.device = device;
    this.dma = dma;
    this.options = options;
    this.name = options.name();
    this.regs = regs;
    this.cap = regs.cap();
    this.timeoutNanos = options.commandTimeout().toNanos();
    this.cpuCount = options.cpuCount() > 0
        ? options.cpuCount()
        : Runtime.getRuntime().availableProcessors();
    this.queueForCpu = new AtomicReferenceArray<>(cpuCount);
    this.namespaces = new NamespaceRegistry(this);
    this.events = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, options.name() + "-events");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Brings up the controller behind {@code device}.
   *
   * @throws ControllerStartException if any step fails; the controller is then reset and every
   *     resource given back
   */
  public static Controller start(Device device, DmaClient dma, ControllerOptions options)
      throws ControllerStartException {
    RegisterIo bar;
    try {
      bar = device.mapBar(0);
    } catch (DeviceException e) {
      throw new ControllerStartException("cannot map BAR0 controller=" + options.name(),
          ControllerStartException.Reason.RESOURCES, e);
    }
    Controller c = new Controller(device, dma, options, new Registers(bar));
    try {
      c.bringUp();
      return c;
    } catch (ControllerStartException e) {
      LOG.error("controller start failed controller={} device={}: {}", c.name, device.id(),
          e.getMessage());
      c.abandon();
      throw e;
    } catch (RuntimeException e) {
      c.abandon();
      throw new ControllerStartException("unexpected failure during bring-up controller="
          + c.name + ": " + e, ControllerStartException.Reason.ADMIN_COMMAND, e);
    }
  }

  private void bringUp() throws ControllerStartException {
    Csts csts = regs.csts();
    if (csts.allOnes() || cap.raw() == -1L) {
      throw startError("registers read as all ones: the device is gone",
          ControllerStartException.Reason.DEVICE_GONE);
    }
    LOG.info("controller bring-up controller={} device={} transport={} cap={} vs=0x{}", name,
        device.id(), device.transport(), cap, Integer.toHexString(regs.vs()));
    if ((cap.css() & 1) == 0) {
      throw startError("controller does not support the NVM command set (CAP.CSS=0x"
          + Integer.toHexString(cap.css()) + ")", ControllerStartException.Reason.UNSUPPORTED);
    }
    if (cap.mpsmin() != 0) {
      throw startError("controller needs pages larger than 4 KiB (CAP.MPSMIN=" + cap.mpsmin()
          + ")", ControllerStartException.Reason.UNSUPPORTED);
    }
    if (cap.mqesZ() == 0) {
      throw startError("controller reports CAP.MQES=0, an invalid queue size",
          ControllerStartException.Reason.UNSUPPORTED);
    }
    Cc cc = regs.cc();
    if (cc.en() || csts.rdy()) {
      if (!options.resetOnStart()) {
        throw startError("controller is enabled and resetOnStart is off",
            ControllerStartException.Reason.UNSUPPORTED);
      }
      regs.cc(cc.withEn(false));
      waitReady(false);
    }

    if (options.keepalive() && !dma.persistent()) {
      throw startError("keepalive is on, but the bound DMA allocator '" + dma.allocatorName()
          + "' is not persistent: queues must live in memory that survives servicing (bind a"
          + " persistent allocator such as dma-pagepool, or turn keepalive off)",
          ControllerStartException.Reason.RESOURCES);
    }
    long wanted = Math.min(options.maxTransferBytes(), QueuePair.maxTransferFor(64));
    prpPagesPerSlot = QueuePair.prpPagesFor(wanted);
    int adminEntries = clampEntries(options.adminQueueEntries(), 4096);
    try {
      QueueMemory mem = QueueMemory.allocate(device, dma, "adminq", adminEntries, 1);
      adminData = dma.allocate(2L * PAGE, "admin-data");
      adminDataMapping = device.mapDma(adminData);
      VectorWorker w = workerFor(0);
      admin = new QueuePair(this, 0, 0, 0, mem, regs, timeoutNanos);
      w.attach(admin);
      regs.aqa(Aqa.of(mem.entries(), mem.entries()).raw());
      regs.asq(mem.sq().deviceAddress(0));
      regs.acq(mem.cq().deviceAddress(0));
    } catch (DmaException | DeviceException e) {
      throw new ControllerStartException("cannot set up the admin queue controller=" + name
          + " allocator=" + dma.allocatorName() + ": " + e.getMessage(),
          ControllerStartException.Reason.RESOURCES, e);
    }
    regs.cc(new Cc(0)
        .withCss(0)
        .withMps(0)
        .withAms(0)
        .withIosqes(Sqe.SIZE_LOG2)
        .withIocqes(Cqe.SIZE_LOG2)
        .withEn(true));
    waitReady(true);

    try {
      readIdentify();
      negotiateQueues();
    } catch (NvmeException e) {
      throw new ControllerStartException("admin command failed during bring-up controller=" + name
          + ": " + e.getMessage(), ControllerStartException.Reason.ADMIN_COMMAND, e);
    }
    try {
      createQueue(0);
    } catch (NvmeException e) {
      throw new ControllerStartException("cannot create the first I/O queue controller=" + name
          + ": " + e.getMessage(), ControllerStartException.Reason.IO_QUEUE, e);
    }
    state = ControllerState.READY;
    namespaces.discover();
    startAsyncEvents();
    startHealthMonitor();
    LOG.info("controller ready controller={} sn={} mn={} fr={} ioQueuesGranted={} maxIoQueues={}"
        + " maxTransferBytes={}", name, info.serialNumber(), info.modelNumber(),
        info.firmwareRevision(), grantedIoQueues, maxIoQueues, maxTransferBytes);
  }

  private int clampEntries(int wanted, int specMax) {
    return Math.max(2, Math.min(Math.min(wanted, specMax), cap.maxQueueEntries()));
  }

  private ControllerStartException startError(String msg, ControllerStartException.Reason r) {
    return new ControllerStartException(msg + " controller=" + name + " device=" + device.id(), r,
        null);
  }

  /** Waits for CSTS.RDY to become {@code ready}, at most CAP.TO. */
  private void waitReady(boolean ready) throws ControllerStartException {
    long timeoutMs = cap.timeoutMillis();
    Backoff b = new Backoff(TimeUnit.MILLISECONDS.toNanos(timeoutMs));
    while (true) {
      Csts csts = regs.csts();
      if (csts.allOnes()) {
        throw startError("registers read as all ones while waiting for CSTS.RDY=" + (ready ? 1 : 0)
            + ": the device is gone", ControllerStartException.Reason.DEVICE_GONE);
      }
      if (ready && csts.cfs()) {
        throw startError("controller fatal status (CSTS.CFS) while enabling, " + csts,
            ControllerStartException.Reason.FATAL_STATUS);
      }
      if (csts.rdy() == ready) {
        return;
      }
      if (!b.pause()) {
        throw startError("CSTS.RDY did not become " + (ready ? 1 : 0) + " within CAP.TO="
            + timeoutMs + " ms", ControllerStartException.Reason.READY_TIMEOUT);
      }
    }
  }

  private void readIdentify() throws NvmeException {
    ByteBuffer raw = identifyRaw(Cns.CONTROLLER.raw(), 0);
    IdentifyController id = new IdentifyController().wrap(raw, 0);
    int mdts = id.mdts();
    long mdtsBytes = mdts == 0 ? Long.MAX_VALUE : (1L << Math.min(mdts, 40)) * PAGE;
    long limit = QueuePair.maxTransferFor(prpPagesPerSlot);
    maxTransferBytes = Math.min(Math.min(mdtsBytes, options.maxTransferBytes()), limit);
    maxTransferBytes -= maxTransferBytes % PAGE;
    if (maxTransferBytes < PAGE) {
      maxTransferBytes = PAGE;
    }
    adoptIdentify(raw);
  }

  private void adoptIdentify(ByteBuffer raw) {
    IdentifyController id = new IdentifyController().wrap(raw, 0);
    int mdts = id.mdts();
    identify = raw;
    info = new ControllerInfo(id.vid(), id.ssvid(), id.sn(), id.mn(), id.fr(), id.cntlid(),
        id.ver().toString(), mdts, maxTransferBytes, id.nn(), id.oncs(), id.oacs(), id.oaes(),
        id.aerl(), id.vwc(), id.subnqn());
  }

  private void negotiateQueues() throws NvmeException {
    int vectors = Math.max(1, device.maxInterruptCount());
    // Vector 0 serves the admin queue; I/O queues get their own vectors when there are any.
    int vectorLimit = vectors > 1 ? vectors - 1 : 1;
    int want = options.maxIoQueues() > 0 ? options.maxIoQueues() : cpuCount;
    want = Math.max(1, Math.min(Math.min(want, vectorLimit), 65535));
    int dw0 = admin.execute(AdminOpcode.SET_FEATURES.raw(), 0, FeatureId.NUMBER_OF_QUEUES.raw(),
        ((want - 1) << 16) | (want - 1), 0, 0, 0, 0, null, 0, 0);
    int nsqa = (dw0 & 0xFFFF) + 1;
    int ncqa = ((dw0 >>> 16) & 0xFFFF) + 1;
    grantedIoQueues = Math.min(nsqa, ncqa);
    maxIoQueues = Math.min(grantedIoQueues, want);
    LOG.info("queues negotiated controller={} requested={} nsqa={} ncqa={} vectors={}", name,
        want, nsqa, ncqa, vectors);
  }

  // ---------------------------------------------------------------- admin helpers

  /** Identify into the admin data page; returns a heap copy (4096 bytes, little endian). */
  ByteBuffer identifyRaw(int cns, int nsid) throws NvmeException {
    synchronized (adminDataLock) {
      checkServing();
      adminData.zero(0, PAGE);
      admin.execute(AdminOpcode.IDENTIFY.raw(), nsid, cns, 0, 0, 0, 0, 0, adminData, 0, PAGE);
      checkServing();
      return copyAdminData(PAGE);
    }
  }

  /**
   * The admin data page belongs to a serving controller only: once it failed, shut down or was
   * released, the page may be freed or handed to the next driver, so admin commands that use it
   * end with the reason instead of touching it.
   */
  private void checkServing() throws ControllerFailedException {
    ControllerFailedException s = stopped;
    if (s != null) {
      throw new ControllerFailedException("controller is not serving (" + s.getMessage() + ")",
          s.reason(), s.csts());
    }
  }

  /** Get Log Page of {@code bytes} (at most one page) into a heap copy. */
  ByteBuffer getLogPage(int lid, int nsid, int bytes, boolean retainAsync) throws NvmeException {
    int dwords = bytes / 4 - 1;
    int cdw10 = (lid & 0xFF) | (retainAsync ? 1 << 15 : 0) | ((dwords & 0xFFFF) << 16);
    synchronized (adminDataLock) {
      checkServing();
      adminData.zero(0, PAGE);
      admin.execute(AdminOpcode.GET_LOG_PAGE.raw(), nsid, cdw10, dwords >>> 16, 0, 0, 0, 0,
          adminData, 0, bytes);
      checkServing();
      return copyAdminData(bytes);
    }
  }

  /** Get Features; returns completion dword 0. */
  int getFeature(int fid, int nsid, int cdw11) throws NvmeException {
    return admin.execute(AdminOpcode.GET_FEATURES.raw(), nsid, fid & 0xFF, cdw11, 0, 0, 0, 0,
        null, 0, 0);
  }

  private ByteBuffer copyAdminData(int bytes) {
    ByteBuffer out = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer src = adminData.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    src.limit(bytes);
    out.put(src);
    out.clear();
    return out;
  }

  QueuePair adminQueue() {
    return admin;
  }

  // ---------------------------------------------------------------- I/O queues

  /** The I/O queue of the calling thread's CPU slot, created on first use. */
  QueuePair queueForCurrentThread() throws NvmeException {
    return queueFor(CpuSlot.current(cpuCount));
  }

  /** The I/O queue of CPU slot {@code cpu} (taken modulo the slot count). */
  QueuePair queueFor(int cpu) throws NvmeException {
    int slot = Math.floorMod(cpu, cpuCount);
    QueuePair q = queueForCpu.get(slot);
    return q != null ? q : createQueue(slot);
  }

  private QueuePair createQueue(int cpu) throws NvmeException {
    synchronized (queueCreateLock) {
      QueuePair existing = queueForCpu.get(cpu);
      if (existing != null) {
        return existing;
      }
      if (state == ControllerState.FAILED || state == ControllerState.SHUT_DOWN) {
        throw new ControllerFailedException("controller is not serving controller=" + name,
            state == ControllerState.FAILED
                ? ControllerFailedException.Reason.DEVICE_FAULT
                : ControllerFailedException.Reason.SHUT_DOWN, regs.csts().raw());
      }
      QueuePair q;
      if (ioQueues.size() >= maxIoQueues) {
        LOG.info("no more I/O queues, sharing controller={} cpu={} queues={} limit={}", name, cpu,
            ioQueues.size(), maxIoQueues);
        q = null;
      } else {
        try {
          q = newIoQueue(cpu);
        } catch (NvmeException e) {
          if (ioQueues.isEmpty()) {
            throw e;
          }
          LOG.error("I/O queue creation failed, falling back controller={} cpu={}: {}", name, cpu,
              e.getMessage());
          q = null;
        }
      }
      if (q == null) {
        q = nearestQueue(cpu);
        fallbackCount.incrementAndGet();
        LOG.info("cpu shares a queue controller={} cpu={} qid={} fallbackCount={}", name, cpu,
            q.qid, fallbackCount.get());
      }
      queueForCpu.set(cpu, q);
      return q;
    }
  }

  private QueuePair nearestQueue(int cpu) {
    QueuePair best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (QueuePair q : ioQueues) {
      // Prefer a lower CPU slot at equal distance, as a stable choice.
      int d = Math.abs(q.cpu - cpu) * 2 + (q.cpu > cpu ? 1 : 0);
      if (d < bestDistance) {
        bestDistance = d;
        best = q;
      }
    }
    return best;
  }

  @Override
  public void allocator(DmaClient next) {
    DmaClient before = dma;
    dma = next;
    LOG.info("allocator changed controller={} from={} to={}", name,
        before == null ? "none" : before.allocatorName(), next == null ? "none" : next.allocatorName());
  }

  private QueuePair newIoQueue(int cpu) throws NvmeException {
    DmaClient dma = this.dma;
    if (dma == null) {
      throw new ResourceException("no DMA allocator is bound controller=" + name, null);
    }
    if (options.keepalive() && !dma.persistent()) {
      throw new ResourceException("keepalive is on, but the bound DMA allocator '"
          + dma.allocatorName() + "' is not persistent controller=" + name, null);
    }
    int qid = nextQid;
    int vectors = Math.max(1, device.maxInterruptCount());
    int vector = vectors > 1 ? 1 + (qid - 1) % (vectors - 1) : 0;
    int entries = clampEntries(options.ioQueueEntries(), 65536);
    QueueMemory mem;
    VectorWorker w;
    try {
      w = workerFor(vector);
      mem = QueueMemory.allocate(device, dma, "ioq" + qid, entries, prpPagesPerSlot);
    } catch (DmaException | DeviceException e) {
      throw new ResourceException("cannot allocate I/O queue memory controller=" + name + " qid="
          + qid + " allocator=" + dma.allocatorName() + ": " + e.getMessage(), e);
    }
    int n = mem.entries();
    try {
      // Create I/O Completion Queue: PC=1 (bit 0), IEN=1 (bit 1), IV in bits 31:16.
      admin.executeWithPrp1(AdminOpcode.CREATE_IO_CQ.raw(), 0, ((n - 1) << 16) | qid,
          (vector << 16) | 0x3, mem.cq().deviceAddress(0));
    } catch (NvmeException e) {
      mem.close();
      throw e;
    }
    try {
      // Create I/O Submission Queue: PC=1 (bit 0), CQID in bits 31:16.
      admin.executeWithPrp1(AdminOpcode.CREATE_IO_SQ.raw(), 0, ((n - 1) << 16) | qid,
          (qid << 16) | 0x1, mem.sq().deviceAddress(0));
    } catch (NvmeException e) {
      try {
        admin.execute(AdminOpcode.DELETE_IO_CQ.raw(), 0, qid, 0, 0, 0, 0, 0, null, 0, 0);
        mem.close();
      } catch (NvmeException d) {
        // The device may still own the CQ memory: keep it rather than free what it may write.
        LOG.warn("could not delete the I/O CQ after SQ creation failed controller={} qid={}: {}",
            name, qid, d.getMessage());
      }
      throw e;
    }
    nextQid++;
    QueuePair q = new QueuePair(this, qid, cpu, vector, mem, regs, timeoutNanos);
    w.attach(q);
    ioQueues.add(q);
    LOG.info("I/O queue created controller={} qid={} cpu={} entries={} vector={} allocator={}",
        name, qid, cpu, n, vector, dma.allocatorName());
    return q;
  }

  private VectorWorker workerFor(int vector) throws DeviceException {
    synchronized (workers) {
      VectorWorker w = workers.get(vector);
      if (w == null) {
        DeviceInterrupt irq = device.mapInterrupt(vector, 0);
        long tick = Math.max(5, Math.min(100, options.healthCheckInterval().toMillis()));
        w = new VectorWorker(name, irq, tick);
        workers.put(vector, w);
        w.start();
      }
      return w;
    }
  }

  // ---------------------------------------------------------------- async events

  /**
   * Enables namespace attribute notices (Set Features 0Bh, when OAES says the controller has
   * them) and keeps one Async Event Request outstanding from now on.
   */
  private void startAsyncEvents() {
    if ((info.oaes() & IdentifyController.OAES_NAMESPACE_ATTRIBUTE_NOTICES) != 0) {
      try {
        admin.execute(AdminOpcode.SET_FEATURES.raw(), 0, FeatureId.ASYNC_EVENT_CONFIGURATION.raw(),
            IdentifyController.OAES_NAMESPACE_ATTRIBUTE_NOTICES, 0, 0, 0, 0, null, 0, 0);
      } catch (NvmeException e) {
        LOG.warn("cannot enable namespace attribute notices controller={}: {}", name,
            e.getMessage());
      }
    }
    submitAsyncEventRequest();
  }

  private void submitAsyncEventRequest() {
    aerOutstanding.incrementAndGet();
    admin.submitAsync(AdminOpcode.ASYNC_EVENT_REQUEST.raw(), 0, 0, 0, 0, 0, 0, 0, null, 0, 0,
        aerCompletion, 0);
  }

  /** Runs on the admin completion thread: re-arm at once, handle the event elsewhere. */
  private void onAsyncEvent(long context, int dw0, NvmeException error) {
    aerOutstanding.decrementAndGet();
    if (error != null) {
      if (error instanceof ControllerFailedException) {
        return;
      }
      // A controller that fails an AER will fail the next one too; I/O goes on without events.
      asyncEventFailure = error.getMessage();
      LOG.error("async event request failed, no more async events controller={}: {}", name,
          error.getMessage());
      return;
    }
    if (state != ControllerState.READY) {
      return;
    }
    submitAsyncEventRequest();
    AsyncEvent ev = new AsyncEvent(dw0);
    events.execute(() -> handleAsyncEvent(ev));
  }

  private void handleAsyncEvent(AsyncEvent ev) {
    LOG.info("async event controller={} event={}", name, ev);
    try {
      if (ev.isNamespaceChanged()) {
        ByteBuffer log = getLogPage(LogPageId.CHANGED_NAMESPACE_LIST.raw(), 0,
            ChangedNamespaceList.SIZE, false);
        ChangedNamespaceList list = new ChangedNamespaceList().wrap(log, 0);
        if (list.overflow()) {
          LOG.info("changed namespace list overflowed, rescanning all controller={}", name);
          rescanNamespaces();
          return;
        }
        for (int i = 0; i < ChangedNamespaceList.ENTRIES; i++) {
          int nsid = list.entry(i);
          if (nsid == 0) {
            break;
          }
          Namespace ns = namespaces.openNamespace(nsid);
          if (ns != null) {
            rescan(ns);
          } else {
            namespaces.refreshUnopened(nsid);
          }
        }
      } else if (ev.logPage() != 0) {
        // Reading the log page (RAE = 0) clears the event so the controller reports the next.
        getLogPage(ev.logPage(), -1, PAGE, false);
      }
    } catch (NvmeException e) {
      LOG.warn("handling async event failed controller={} event={}: {}", name, ev,
          e.getMessage());
    } catch (RuntimeException e) {
      if (stopped == null) {
        throw e;
      }
      // Stopped (closed, failed or released for servicing) while handling: the admin data page
      // may already be freed or belong to the next driver.
      LOG.info("async event handling abandoned, controller stopped controller={} event={}: {}",
          name, ev, e.toString());
    }
  }

  @Override
  public void rescanNamespaces() throws NvmeException {
    for (Namespace ns : namespaces.openNamespaces()) {
      rescan(ns);
    }
    namespaces.list();
  }

  private void rescan(Namespace ns) throws NvmeException {
    if (ns.removed()) {
      return;
    }
    IdentifyNamespace id = identifyNamespaceView(ns.nsid);
    if (id.nsze() != 0) {
      ns.identify(id);
    }
    ns.update(name, id.nsze());
  }

  /** Async Event Requests outstanding now (one while the controller runs). */
  int asyncEventRequestsOutstanding() {
    return aerOutstanding.get();
  }

  // ---------------------------------------------------------------- servicing

  boolean draining() {
    return drainRemaining.get() > 0;
  }

  /** Waits until the drain barrier lifts; bounded by the command timeout. */
  void awaitDrain(long timeoutNanos) throws NvmeException {
    long deadline = System.nanoTime() + timeoutNanos;
    synchronized (drainLock) {
      while (drainRemaining.get() > 0) {
        long rem = deadline - System.nanoTime();
        if (rem <= 0) {
          throw new io.jnvme.driver.CommandTimeoutException("commands from before servicing did"
              + " not complete within the timeout controller=" + name + " remaining="
              + drainRemaining.get());
        }
        try {
          drainLock.wait(Math.max(1, rem / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new io.jnvme.driver.CommandTimeoutException("interrupted while waiting for the"
              + " drain after servicing controller=" + name);
        }
      }
    }
  }

  private void drained() {
    if (drainRemaining.decrementAndGet() == 0) {
      LOG.info("drain after restore complete, new I/O admitted controller={}", name);
      synchronized (drainLock) {
        drainLock.notifyAll();
      }
    }
  }

  private static BlockRef ref(MemoryBlock b) {
    return new BlockRef(b.tag(), b.size(), b.deviceAddress(0));
  }

  private List<QueuePair> allQueues() {
    List<QueuePair> all = new ArrayList<>();
    all.add(admin);
    all.addAll(ioQueues);
    return all;
  }

  private void stage(String name) {
    saveStageHook.accept(name);
  }

  @Override
  public ControllerSavedState save() throws SavedStateException {
    synchronized (queueCreateLock) {
      synchronized (failLock) {
        if (!options.keepalive()) {
          throw new SavedStateException("keepalive is off controller=" + name,
              SavedStateException.Reason.NOT_PERSISTENT, null);
        }
        if (state != ControllerState.READY) {
          throw new SavedStateException("controller is " + state + " controller=" + name,
              SavedStateException.Reason.SAVE_FAILED, null);
        }
        for (QueuePair q : allQueues()) {
          if (!q.memory.sq().persistent() || !q.memory.cq().persistent()
              || !q.memory.prp().persistent()) {
            throw new SavedStateException("queue qid=" + q.qid + " is not in persistent memory"
                + " (allocator " + q.memory.sq().allocatorName() + ") controller=" + name,
                SavedStateException.Reason.NOT_PERSISTENT, null);
          }
        }
      }
      long t0 = System.nanoTime();
      List<VectorWorker> ws;
      synchronized (workers) {
        ws = new ArrayList<>(workers.values());
      }
      try {
        stage("quiesce");
        allQueues().forEach(QueuePair::pause);
        VectorWorker.pauseAll(ws);
        stage("snapshot-queues");
        QueueState adminState = admin.snapshot(ref(admin.memory.sq()), ref(admin.memory.cq()),
            ref(admin.memory.prp()));
        List<QueueState> io = new ArrayList<>();
        for (QueuePair q : ioQueues) {
          io.add(q.snapshot(ref(q.memory.sq()), ref(q.memory.cq()), ref(q.memory.prp())));
        }
        int[] cpuQueues = new int[cpuCount];
        for (int c = 0; c < cpuCount; c++) {
          QueuePair q = queueForCpu.get(c);
          cpuQueues[c] = q == null ? 0 : q.qid;
        }
        stage("snapshot-namespaces");
        List<io.jnvme.driver.savestate.NamespaceState> ns = namespaces.snapshot();
        stage("encode");
        byte[] id = new byte[identify.capacity()];
        identify.duplicate().clear().get(id);
        long stamp = nextSaveStamp();
        ControllerSavedState st = new ControllerSavedState(SavedStateCodec.CURRENT_VERSION,
            device.id(), name, stamp, id, maxTransferBytes, grantedIoQueues,
            maxIoQueues, cpuCount, nextQid, fallbackCount.get(), ref(adminData), adminState,
            List.copyOf(io), cpuQueues, ns);
        // Encoding here proves the state is complete before anyone relies on it.
        SavedStateCodec.encode(st);
        state = ControllerState.SAVED;
        LOG.info("controller saved controller={} ioQueues={} pendingIo={} namespaces={} tookUs={}",
            name, io.size(), st.pendingIoCommands(), ns.size(),
            (System.nanoTime() - t0) / 1000);
        return st;
      } catch (RuntimeException e) {
        ws.forEach(VectorWorker::resume);
        allQueues().forEach(QueuePair::resume);
        LOG.warn("save failed, serving on controller={}: {}", name, e.toString());
        throw new SavedStateException("save failed at " + e.getMessage() + " controller=" + name,
            SavedStateException.Reason.SAVE_FAILED, e);
      }
    }
  }

  /**
   * Where the save stamp lives: the second page of the admin data block, which is persistent and
   * otherwise unused. Each saved state carries the stamp written at its save (as its
   * {@code savedAtMillis}); a restore accepts a state only while memory still holds its stamp, and
   * moves the stamp on, as does resuming after a save. So a state that is older than what the
   * controller has done since (an abandoned save, a state restored once already, an old file)
   * never rewinds the rings: it starts cold instead.
   */
  private static final long STAMP_OFFSET = PAGE;

  private long nextSaveStamp() {
    long stamp = Math.max(System.currentTimeMillis(), adminData.getLong(STAMP_OFFSET) + 1);
    adminData.putLong(STAMP_OFFSET, stamp);
    return stamp;
  }

  private void consumeSaveStamp() {
    adminData.putLong(STAMP_OFFSET, adminData.getLong(STAMP_OFFSET) + 1);
  }

  @Override
  public void resumeAfterSave() {
    synchronized (failLock) {
      if (state != ControllerState.SAVED) {
        return;
      }
      state = ControllerState.READY;
      // The state that save returned is stale from now on.
      consumeSaveStamp();
    }
    synchronized (workers) {
      workers.values().forEach(VectorWorker::resume);
    }
    allQueues().forEach(QueuePair::resume);
    LOG.info("servicing abandoned, controller resumed controller={}", name);
  }

  @Override
  public void release() {
    ControllerFailedException e = new ControllerFailedException("the driver was replaced",
        ControllerFailedException.Reason.SERVICED, 0);
    java.util.Map<Long, io.jnvme.driver.IoCompletion> callers = new java.util.HashMap<>();
    synchronized (failLock) {
      if (state != ControllerState.SAVED) {
        throw new IllegalStateException("release needs a saved controller, state=" + state);
      }
      state = ControllerState.SHUT_DOWN;
      stopped = e;
      for (QueuePair q : allQueues()) {
        q.handOver().forEach((cid, c) -> callers.put(InFlightHandover.key(q.qid, cid), c));
        q.refuse(e);
      }
    }
    InFlightHandover.offer(device.id(), callers);
    events.shutdownNow();
    List<VectorWorker> ws;
    synchronized (workers) {
      ws = new ArrayList<>(workers.values());
      workers.clear();
    }
    // The workers are paused: told to stop, they end without touching a queue or waiting on an
    // interrupt again, so the next driver need not wait for them (that wait was on the
    // servicing pause); the completions are the next driver's.
    ws.forEach(VectorWorker::requestStop);
    LOG.info("controller released for servicing without reset controller={} handedOver={}", name,
        callers.size());
  }

  /**
   * Takes over a controller a previous driver saved; see {@link
   * io.jnvme.driver.NvmeDriverFactory#restore}.
   */
  public static Controller restore(Device device, DmaClient dma, ControllerOptions options,
      ControllerSavedState st) throws ControllerStartException {
    String why = null;
    if (!options.keepalive()) {
      why = "keepalive is off";
    } else if (!dma.persistent()) {
      why = "the bound allocator '" + dma.allocatorName() + "' is not persistent";
    } else if (!st.deviceId().equals(device.id())) {
      why = "the saved state is for device " + st.deviceId();
    }
    RegisterIo bar;
    try {
      bar = device.mapBar(0);
    } catch (DeviceException e) {
      throw new ControllerStartException("cannot map BAR0 controller=" + options.name(),
          ControllerStartException.Reason.RESOURCES, e);
    }
    Registers regs = new Registers(bar);
    if (why == null) {
      Csts c = regs.csts();
      if (c.allOnes() || !c.rdy() || c.cfs() || !regs.cc().en()) {
        why = "the controller is not enabled and ready (" + c + ")";
      }
    }
    if (why == null) {
      why = inconsistency(st, regs.cap(), device.maxInterruptCount());
    }
    List<MemoryBlock> pending = new ArrayList<>();
    if (dma.persistent()) {
      try {
        pending.addAll(dma.attachPending());
      } catch (DmaException e) {
        why = why != null ? why : "persistent memory cannot be re-attached: " + e.getMessage();
      }
    }
    Map<BlockRef, MemoryBlock> byRef = new java.util.HashMap<>();
    for (MemoryBlock b : pending) {
      byRef.put(ref(b), b);
    }
    List<BlockRef> needed = new ArrayList<>();
    if (why == null) {
      needed.add(st.adminData());
      for (QueueState q : concat(st.admin(), st.ioQueues())) {
        needed.add(q.sq());
        needed.add(q.cq());
        needed.add(q.prp());
      }
      for (BlockRef r : needed) {
        if (!byRef.containsKey(r)) {
          why = "memory block " + r + " is missing";
          break;
        }
      }
    }
    if (why == null) {
      MemoryBlock data = byRef.get(st.adminData());
      long stamp = data.size() >= STAMP_OFFSET + 8 ? data.getLong(STAMP_OFFSET) : 0;
      // 0: memory from a driver that wrote no stamps; the state cannot be checked.
      if (stamp != 0 && stamp != st.savedAtMillis()) {
        why = "the saved state is stale (saved with stamp " + st.savedAtMillis()
            + ", the controller's memory holds " + stamp + ": it ran on after that save)";
      }
    }
    java.util.Map<Long, io.jnvme.driver.IoCompletion> offered =
        InFlightHandover.takeIfReleasedHere(device.id());
    // Released in this JVM: the old driver's users may still hold its data buffers.
    boolean releasedHere = offered != null;
    java.util.Map<Long, io.jnvme.driver.IoCompletion> callers =
        releasedHere ? offered : java.util.Map.of();
    if (why != null) {
      return coldStart(device, dma, options, regs, pending, why, callers);
    }
    // Blocks the state does not name are stale, except data buffers of a driver released in this
    // JVM: their users still hold them (a disk layer's bounce buffers), and freeing them here
    // would let the next allocation alias memory someone still writes to.
    List<MemoryBlock> adopted = new ArrayList<>();
    for (MemoryBlock b : pending) {
      if (needed.contains(ref(b))) {
        continue;
      }
      if (releasedHere && "buffer".equals(b.tag())) {
        adopted.add(b);
      } else {
        b.close();
      }
    }
    InFlightHandover.adoptBuffers(device.id(), adopted);
    Controller c = new Controller(device, dma, options.withCpuCount(st.cpuCount()), regs);
    try {
      c.resume(st, byRef, callers);
      return c;
    } catch (DeviceException | RuntimeException e) {
      LOG.error("restore failed, starting cold controller={}: {}", options.name(), e.toString());
      c.abandon();
      return coldStart(device, dma, options, regs, List.of(), "restore failed: " + e, callers);
    }
  }

  /** Most CPU slots a saved state may name (the codec bounds the CPU table to this too). */
  private static final int MAX_CPUS = 1 << 16;

  /**
   * What in a saved state that passed the codec (intact bytes) still does not fit this device or
   * the memory it names, or null. Restoring such a state would size arrays from it, write rings
   * past their blocks or wait on vectors that do not exist; it is a cold start instead.
   */
  static String inconsistency(ControllerSavedState st, Cap cap, int vectors) {
    if (st.cpuCount() < 1 || st.cpuCount() > MAX_CPUS) {
      return "the saved CPU count " + st.cpuCount() + " is out of range";
    }
    if (st.admin().qid() != 0) {
      return "the saved admin queue has qid " + st.admin().qid();
    }
    if (st.maxTransferBytes() < PAGE) {
      return "the saved transfer limit " + st.maxTransferBytes() + " is below one page";
    }
    Set<Integer> qids = new java.util.HashSet<>();
    for (QueueState q : concat(st.admin(), st.ioQueues())) {
      String where = "saved queue qid=" + q.qid();
      if (!qids.add(q.qid()) || q.qid() < 0 || q.qid() > 0xFFFF || (q.qid() == 0) != (q == st.admin())) {
        return where + ": qid repeated or out of range";
      }
      if (q.entries() < 2 || q.entries() > cap.maxQueueEntries()) {
        return where + ": " + q.entries() + " entries, the controller allows 2.."
            + cap.maxQueueEntries();
      }
      if (q.sq().size() < (long) q.entries() * Sqe.SIZE
          || q.cq().size() < (long) q.entries() * Cqe.SIZE
          || q.prp().size() < (long) (q.entries() - 1) * q.prpPagesPerSlot() * PAGE) {
        return where + ": its rings do not fit the memory blocks it names";
      }
      if (q.vector() < 0 || q.vector() >= Math.max(1, vectors)) {
        return where + ": vector " + q.vector() + " but the device has " + vectors;
      }
      if (q.qid() != 0 && st.maxTransferBytes() > QueuePair.maxTransferFor(q.prpPagesPerSlot())) {
        return where + ": its PRP pages cannot describe the saved transfer limit";
      }
    }
    return null;
  }

  private static List<QueueState> concat(QueueState a, List<QueueState> rest) {
    List<QueueState> all = new ArrayList<>();
    all.add(a);
    all.addAll(rest);
    return all;
  }

  private static Controller coldStart(Device device, DmaClient dma, ControllerOptions options,
      Registers regs, List<MemoryBlock> stale, String why,
      java.util.Map<Long, io.jnvme.driver.IoCompletion> callers) throws ControllerStartException {
    LOG.warn("saved state not used, resetting and starting cold controller={}: {}",
        options.name(), why);
    // Reset first: the device must stop using the old queues before their memory is freed.
    if (!regs.csts().allOnes() && (regs.cc().en() || regs.csts().rdy())) {
      disable(regs, options.name());
    }
    // After the reset the device touches no buffer: callers still waiting can be told.
    ControllerFailedException gone = new ControllerFailedException("the controller was reset"
        + " because its saved state could not be used (" + why + ")",
        ControllerFailedException.Reason.SHUT_DOWN, regs.csts().raw());
    callers.values().forEach(c -> {
      try {
        c.completed(0, gone);
      } catch (RuntimeException e) {
        LOG.error("handed-over completion threw controller={}", options.name(), e);
      }
    });
    for (MemoryBlock b : stale) {
      b.close();
    }
    Controller c = start(device, dma, options);
    c.lastStart = "cold (" + why + ")";
    return c;
  }

  /** Rebuilds this controller from a saved state. No admin command is sent unless no AER was. */
  private void resume(ControllerSavedState st, Map<BlockRef, MemoryBlock> blocks,
      java.util.Map<Long, io.jnvme.driver.IoCompletion> callers) throws DeviceException {
    long t0 = System.nanoTime();
    ByteBuffer id = ByteBuffer.wrap(st.identifyController().clone()).order(ByteOrder.LITTLE_ENDIAN);
    maxTransferBytes = st.maxTransferBytes();
    adoptIdentify(id);
    grantedIoQueues = st.grantedIoQueues();
    maxIoQueues = st.maxIoQueues();
    nextQid = st.nextQid();
    fallbackCount.set(st.fallbackCount());
    adminData = blocks.get(st.adminData());
    adminDataMapping = device.mapDma(adminData);
    prpPagesPerSlot = st.ioQueues().isEmpty()
        ? QueuePair.prpPagesFor(Math.min(options.maxTransferBytes(), QueuePair.maxTransferFor(64)))
        : st.ioQueues().get(0).prpPagesPerSlot();
    int[] aerPending = {0};
    admin = restoreQueue(st.admin(), blocks, callers, aerPending);
    Map<Integer, QueuePair> byQid = new java.util.HashMap<>();
    for (QueueState q : st.ioQueues()) {
      QueuePair qp = restoreQueue(q, blocks, callers, null);
      ioQueues.add(qp);
      byQid.put(qp.qid, qp);
    }
    int[] cpuQueues = st.cpuQueues();
    for (int cpu = 0; cpu < Math.min(cpuCount, cpuQueues.length); cpu++) {
      QueuePair q = byQid.get(cpuQueues[cpu]);
      if (q != null) {
        queueForCpu.set(cpu, q);
      }
    }
    namespaces.restore(st.namespaces());
    drainRemaining.set(st.pendingIoCommands());
    aerOutstanding.set(aerPending[0]);
    // This state is used up: restoring it again after this driver ran would rewind the rings.
    consumeSaveStamp();
    state = ControllerState.READY;
    lastStart = "restored";
    // Start reaping only now: every slot and the drain count are in place.
    synchronized (workers) {
      for (QueuePair q : allQueues()) {
        workers.get(q.vector).attach(q);
      }
    }
    if (aerPending[0] == 0) {
      submitAsyncEventRequest();
    }
    startHealthMonitor();
    LOG.info("controller restored without reset controller={} ioQueues={} draining={}"
        + " aerOutstanding={} tookUs={}", name, ioQueues.size(), drainRemaining.get(),
        aerPending[0], (System.nanoTime() - t0) / 1000);
  }

  private QueuePair restoreQueue(QueueState q, Map<BlockRef, MemoryBlock> blocks,
      java.util.Map<Long, io.jnvme.driver.IoCompletion> callers, int[] aerCount)
      throws DeviceException {
    QueueMemory mem = QueueMemory.attach(device, blocks.get(q.sq()), blocks.get(q.cq()),
        blocks.get(q.prp()), q.entries(), q.prpPagesPerSlot());
    synchronized (workers) {
      workerFor(q.vector());
    }
    int qid = q.qid();
    return new QueuePair(this, q, mem, regs, timeoutNanos, opcode -> {
      if (qid == 0 && opcode == AdminOpcode.ASYNC_EVENT_REQUEST.raw()) {
        aerCount[0]++;
        return aerCompletion;
      }
      return (io.jnvme.driver.IoCompletion) (cid, e) -> {
        io.jnvme.driver.IoCompletion caller = callers.get(InFlightHandover.key(qid, (int) cid));
        if (caller != null) {
          try {
            caller.completed(cid, e);
          } catch (RuntimeException ex) {
            LOG.error("handed-over completion threw controller={} qid={}", name, qid, ex);
          }
        } else if (e != null) {
          LOG.warn("command from before servicing failed controller={} qid={} cid={}: {}", name,
              qid, cid, e.getMessage());
        }
        if (qid != 0) {
          drained();
        }
      };
    });
  }

  // ---------------------------------------------------------------- failure handling

  /**
   * Polls CSTS every health check interval on the admin vector's worker (which wakes at least that
   * often for its command timeouts anyway), rather than on a thread of its own: one thread fewer
   * to start on the way to ready and after a restore.
   */
  private void startHealthMonitor() {
    VectorWorker w;
    synchronized (workers) {
      w = workers.get(admin.vector);
    }
    if (w != null) {
      w.periodic(this::checkHealth, options.healthCheckInterval().toNanos());
    }
  }

  /** Reads CSTS; fails the controller on all ones or CFS. */
  void checkHealth() {
    if (state != ControllerState.READY) {
      return;
    }
    Csts csts = regs.csts();
    if (csts.allOnes()) {
      fail(ControllerFailedException.Reason.DEVICE_GONE, csts.raw(),
          "registers read as all ones: the device is gone");
    } else if (csts.cfs()) {
      fail(ControllerFailedException.Reason.FATAL_STATUS, csts.raw(),
          "controller fatal status (CSTS.CFS)");
    }
  }

  void onCommandTimeout(QueuePair q, int cid, int opcode) {
    LOG.warn("command timed out controller={} qid={} cid={} opcode=0x{}", name, q.qid, cid,
        Integer.toHexString(opcode));
    checkHealth();
  }

  /** The device broke the protocol: handled like a fatal status, never a crash. */
  void deviceFault(QueuePair q, String what) {
    LOG.error("device fault controller={} qid={}: {}", name, q.qid, what);
    fail(ControllerFailedException.Reason.DEVICE_FAULT, regs.csts().raw(), "device fault on qid="
        + q.qid + ": " + what);
  }

  /**
   * Stops serving: new commands are refused at once; the controller is reset so that it stops
   * touching memory; then every outstanding command fails with the reason.
   */
  void fail(ControllerFailedException.Reason reason, int csts, String message) {
    ControllerFailedException e;
    synchronized (failLock) {
      if (state == ControllerState.FAILED || state == ControllerState.SHUT_DOWN) {
        return;
      }
      state = ControllerState.FAILED;
      failure = message;
      e = new ControllerFailedException(message + " controller=" + name, reason, csts);
      stopped = e;
      admin.refuse(e);
      ioQueues.forEach(q -> q.refuse(e));
    }
    LOG.error("controller failed controller={} reason={} csts=0x{}: {}", name, reason,
        Integer.toHexString(csts), message);
    Thread t = new Thread(() -> {
      if (reason != ControllerFailedException.Reason.DEVICE_GONE) {
        resetQuietly();
      }
      admin.kill(e);
      ioQueues.forEach(q -> q.kill(e));
      wakeWorkers();
    }, name + "-fail");
    t.setDaemon(true);
    t.start();
  }

  private void resetQuietly() {
    try {
      disable(regs, name);
    } catch (RuntimeException ex) {
      LOG.warn("reset after failure failed controller={}", name, ex);
    }
  }

  /**
   * Clears CC.EN and waits, at most CAP.TO, until CSTS.RDY is 0 (or the device is gone), so the
   * controller stops touching memory.
   */
  private static void disable(Registers regs, String name) {
    regs.cc(regs.cc().withEn(false));
    Backoff b = new Backoff(TimeUnit.MILLISECONDS.toNanos(regs.cap().timeoutMillis()));
    while (true) {
      Csts c = regs.csts();
      if (c.allOnes() || !c.rdy()) {
        return;
      }
      if (!b.pause()) {
        LOG.warn("controller did not leave ready state within CAP.TO controller={}", name);
        return;
      }
    }
  }

  private void wakeWorkers() {
    synchronized (workers) {
      workers.values().forEach(w -> {
        try {
          device.mapInterrupt(w.vector(), 0).wake();
        } catch (DeviceException ex) {
          LOG.debug("cannot wake worker controller={} vector={}", name, w.vector(), ex);
        }
      });
    }
  }

  /** After a failed start: reset, stop threads, give memory back. */
  private void abandon() {
    state = ControllerState.FAILED;
    try {
      if (!regs.csts().allOnes()) {
        resetQuietly();
      }
    } catch (RuntimeException e) {
      LOG.debug("reset during abandon failed controller={}", name, e);
    }
    ControllerFailedException e = new ControllerFailedException("controller start abandoned",
        ControllerFailedException.Reason.SHUT_DOWN, 0);
    stopped = e;
    if (admin != null) {
      admin.kill(e);
    }
    ioQueues.forEach(q -> q.kill(e));
    releaseResources();
  }

  private void releaseResources() {
    events.shutdownNow();
    List<VectorWorker> ws;
    synchronized (workers) {
      ws = new ArrayList<>(workers.values());
      workers.clear();
    }
    VectorWorker.stopAll(ws);
    for (QueuePair q : ioQueues) {
      q.memory.close();
    }
    ioQueues.clear();
    if (admin != null) {
      admin.memory.close();
    }
    synchronized (adminDataLock) {
      // Not while an admin command still uses the page (it ends once the queues are dead).
      if (adminDataMapping != null) {
        adminDataMapping.close();
      }
      if (adminData != null) {
        adminData.close();
      }
    }
    for (MappedBuffer b : new ArrayList<>(buffers)) {
      b.close();
    }
  }

  // ---------------------------------------------------------------- NvmeController

  @Override
  public String name() {
    return name;
  }

  @Override
  public String deviceId() {
    return device.id();
  }

  @Override
  public String transport() {
    return device.transport();
  }

  @Override
  public ControllerState state() {
    return state;
  }

  @Override
  public ControllerInfo info() {
    return info;
  }

  @Override
  public ByteBuffer identifyController() {
    return identify.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  long maxTransferBytes() {
    return maxTransferBytes;
  }

  int cpuCount() {
    return cpuCount;
  }

  @Override
  public List<NamespaceInfo> namespaces() throws NvmeException {
    return namespaces.list();
  }

  @Override
  public ByteBuffer logPage(int lid, int nsid, int bytes) throws NvmeException {
    if (bytes < 4 || bytes > PAGE || bytes % 4 != 0) {
      throw new io.jnvme.driver.InvalidRequestException("log page length " + bytes
          + " must be a multiple of 4 between 4 and " + PAGE);
    }
    return getLogPage(lid, nsid, bytes, false).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public int feature(int fid, int nsid, int cdw11) throws NvmeException {
    return getFeature(fid, nsid, cdw11);
  }

  @Override
  public ByteBuffer identifyNamespace(int nsid) throws NvmeException {
    return identifyRaw(Cns.NAMESPACE.raw(), nsid).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Active NSIDs from Identify CNS 02h, following the list past 1024 entries. */
  List<Integer> activeNamespaceIds() throws NvmeException {
    List<Integer> ids = new ArrayList<>();
    int after = 0;
    while (true) {
      ByteBuffer list = identifyRaw(Cns.ACTIVE_NAMESPACE_LIST.raw(), after);
      int n = 0;
      for (int i = 0; i < 1024; i++) {
        int nsid = list.getInt(i * 4);
        if (nsid == 0) {
          break;
        }
        if (Integer.compareUnsigned(nsid, after) <= 0 || nsid == -1) {
          // A list that does not increase would make us loop forever.
          LOG.warn("active namespace list not increasing controller={} nsid={}", name,
              Integer.toUnsignedString(nsid));
          return ids;
        }
        ids.add(nsid);
        after = nsid;
        n++;
      }
      if (n < 1024) {
        return ids;
      }
    }
  }

  IdentifyNamespace identifyNamespaceView(int nsid) throws NvmeException {
    return new IdentifyNamespace().wrap(identifyRaw(Cns.NAMESPACE.raw(), nsid), 0);
  }

  @Override
  public NamespaceHandle open(int nsid, String owner) throws NvmeException {
    if (state != ControllerState.READY) {
      throw new NamespaceException("controller is " + state + " controller=" + name,
          NamespaceException.Reason.NOT_FOUND, nsid);
    }
    return namespaces.open(nsid, owner);
  }

  @Override
  public MemoryBlock allocateBuffer(long size) throws NvmeException {
    DmaClient dma = this.dma;
    if (dma == null) {
      throw new ResourceException("no DMA allocator is bound controller=" + name, null);
    }
    if (size <= 0) {
      throw new io.jnvme.driver.InvalidRequestException("buffer size must be positive, got "
          + size);
    }
    MemoryBlock b;
    try {
      b = dma.allocate(size, "buffer");
    } catch (DmaException e) {
      throw new ResourceException("cannot allocate a " + size + "-byte buffer controller=" + name
          + " allocator=" + dma.allocatorName() + ": " + e.getMessage(), e);
    }
    try {
      MappedBuffer m = new MappedBuffer(this, b, device.mapDma(b));
      buffers.add(m);
      return m;
    } catch (DeviceException e) {
      b.close();
      throw new ResourceException("device cannot reach the buffer controller=" + name + ": "
          + e.getMessage(), e);
    }
  }

  @Override
  public ControllerStatus status() {
    List<IoQueueInfo> qs = new ArrayList<>();
    for (QueuePair q : ioQueues) {
      qs.add(new IoQueueInfo(q.qid, q.cpu, q.entries, q.vector, q.memory.sq().allocatorName(),
          q.memory.sq().persistent(), q.inFlight(), q.completed()));
    }
    return new ControllerStatus(name, state, failure, qs, grantedIoQueues, fallbackCount.get(),
        asyncEventFailure, options.keepalive(), lastStart, drainRemaining.get());
  }

  int fallbackCount() {
    return fallbackCount.get();
  }

  /**
   * Orderly shutdown (Base spec 2.0, §3.6.1): stop new I/O, let outstanding commands finish for a
   * while, delete the I/O queues, set CC.SHN = 01b and wait for CSTS.SHST = 10b, then release
   * everything.
   */
  @Override
  public void close() {
    ControllerFailedException e = new ControllerFailedException("controller shut down",
        ControllerFailedException.Reason.SHUT_DOWN, 0);
    boolean wasReady;
    synchronized (failLock) {
      if (state == ControllerState.SHUT_DOWN) {
        return;
      }
      wasReady = state == ControllerState.READY;
      state = ControllerState.SHUT_DOWN;
      if (stopped == null) {
        stopped = e;
      }
      ioQueues.forEach(q -> q.refuse(e));
    }
    namespaces.closeAll();
    if (wasReady && regs.csts().allOnes()) {
      LOG.warn("device gone before shutdown controller={}", name);
      wasReady = false;
    }
    if (wasReady) {
      drainIo();
      for (QueuePair q : ioQueues) {
        deleteQueueQuietly(q);
      }
      shutdownNotification();
    }
    admin.kill(e);
    ioQueues.forEach(q -> q.kill(e));
    wakeWorkers();
    releaseResources();
    LOG.info("controller closed controller={}", name);
  }

  private void drainIo() {
    long deadline = System.nanoTime() + Math.min(timeoutNanos, TimeUnit.SECONDS.toNanos(5));
    for (QueuePair q : ioQueues) {
      while (q.inFlight() > 0 && System.nanoTime() - deadline < 0) {
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(1));
      }
    }
  }

  private void deleteQueueQuietly(QueuePair q) {
    try {
      admin.execute(AdminOpcode.DELETE_IO_SQ.raw(), 0, q.qid, 0, 0, 0, 0, 0, null, 0, 0);
      admin.execute(AdminOpcode.DELETE_IO_CQ.raw(), 0, q.qid, 0, 0, 0, 0, 0, null, 0, 0);
    } catch (NvmeException ex) {
      LOG.warn("deleting I/O queue failed at shutdown controller={} qid={}: {}", name, q.qid,
          ex.getMessage());
    }
  }

  private void shutdownNotification() {
    try {
      regs.cc(regs.cc().withShn(Cc.SHN_NORMAL));
      Backoff b = new Backoff(TimeUnit.MILLISECONDS.toNanos(Math.max(cap.timeoutMillis(), 5000)));
      while (true) {
        Csts c = regs.csts();
        if (c.allOnes()) {
          LOG.warn("device gone during shutdown controller={}", name);
          return;
        }
        if (c.shst() == Csts.SHST_COMPLETE) {
          LOG.info("shutdown complete controller={}", name);
          return;
        }
        if (!b.pause()) {
          LOG.warn("shutdown did not complete within the deadline controller={} csts={}", name, c);
          return;
        }
      }
    } catch (RuntimeException ex) {
      LOG.warn("shutdown notification failed controller={}", name, ex);
    }
  }

  @Override
  public String toString() {
    return "Controller[name=" + name + " device=" + device.id() + " state=" + state + "]";
  }
}
