package io.jnvme.transport.qemu.internal;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaException;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PagePoolException;
import io.jnvme.dma.pagepool.PoolAllocation;
import io.jnvme.spec.Bar0;
import io.jnvme.spec.Cap;
import io.jnvme.transport.qemu.QemuException;
import io.jnvme.transport.qemu.RecoveryReport;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's connection to a QEMU instance: qtest, guest RAM, page pool, PCI set-up, the
 * ring journal, MSI-X, the management controller and the device. See {@code QemuMachine} for
 * what attaching does and why.
 */
public final class Attachment implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Attachment.class);
  /** QEMU's NVMe model: PCI vendor 1b36 (Red Hat), device 0010. */
  static final int QEMU_VENDOR = 0x1B36;
  static final int QEMU_NVME_DEVICE = 0x0010;
  static final String TAG_JOURNAL = "qemu.journal";
  static final String TAG_MSIX = "qemu.msix";
  static final String TAG_MANAGEMENT = "qemu.mgmt";
  /** MSI-X control word (capability + 2): enable bit 15, function mask bit 14. */
  private static final int MSIX_ENABLE = 0x8000;
  private static final int MSIX_FUNCTION_MASK = 0x4000;
  private static final VarHandle LONG =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final Path runDirectory;
  private final MachineDescriptor descriptor;
  private final QtestClient qt;
  private final PagePool pool;
  private final GuestRam ram;
  private final RingJournal journal;
  private final QemuDevice device;
  private final ManagementController management;
  private final long bar0;
  private final int dstrd;
  private final Duration responseTimeout;

  private Attachment(Path runDirectory, MachineDescriptor descriptor, QtestClient qt,
      PagePool pool, GuestRam ram, RingJournal journal, QemuDevice device,
      ManagementController management, long bar0, int dstrd, Duration responseTimeout) {
    this.runDirectory = runDirectory;
    this.descriptor = descriptor;
    this.qt = qt;
    this.pool = pool;
    this.ram = ram;
    this.journal = journal;
    this.device = device;
    this.management = management;
    this.bar0 = bar0;
    this.dstrd = dstrd;
    this.responseTimeout = responseTimeout;
  }

  /**
   * Attaches to the instance described in {@code runDirectory}.
   *
   * @throws QemuException with what failed and where
   */
  public static Attachment open(Path runDirectory, Duration responseTimeout)
      throws QemuException {
    MachineDescriptor d;
    try {
      d = MachineDescriptor.load(runDirectory);
    } catch (IOException e) {
      throw new QemuException("runDirectory=" + runDirectory + ": no QEMU instance ("
          + e.getMessage() + ")", e);
    }
    if (!ProcessHandle.of(d.pid()).map(ProcessHandle::isAlive).orElse(false)) {
      throw new QemuException("runDirectory=" + runDirectory + ": QEMU pid=" + d.pid()
          + " is not running");
    }
    QtestClient qt = null;
    PagePool pool = null;
    try {
      qt = QtestClient.connect(d.qtestSocket(), Duration.ofSeconds(10), responseTimeout);
      // The first answer means the machine, and with it the RAM backend, is initialised.
      try {
        pool = PagePool.open(Layout.poolConfig(d.ramFile(), d.ramSize()));
      } catch (PagePoolException e) {
        throw new QemuException("ramFile=" + d.ramFile() + ": cannot open the guest RAM page"
            + " pool: " + e.getMessage(), e);
      }
      if (pool.dataOffset() < Layout.DMA_START) {
        throw new QemuException("ramFile=" + d.ramFile() + ": page pool data starts at 0x"
            + Long.toHexString(pool.dataOffset()) + ", inside the legacy VGA/BIOS windows");
      }
      GuestRam ram = GuestRam.map(d.ramFile(), d.ramSize());
      int capacity = Math.min(RingJournal.MAX_QUEUES, d.ioQueuePairs() + 1);
      int vectors = d.ioQueuePairs() + 1;
      DmaClient own = pool.clientFor(d.deviceId() + "#qemu");
      MemoryBlock journalBlock = null;
      MemoryBlock msixBlock = null;
      MemoryBlock mgmtBlock = null;
      for (MemoryBlock b : own.attachPending()) {
        switch (b.tag()) {
          case TAG_JOURNAL -> journalBlock = b;
          case TAG_MSIX -> msixBlock = b;
          case TAG_MANAGEMENT -> mgmtBlock = b;
          default -> b.close();
        }
      }
      if (journalBlock == null) {
        journalBlock = own.allocate(RingJournal.sizeFor(capacity), TAG_JOURNAL);
      }
      if (msixBlock == null || msixBlock.size() < MsixVectors.sizeFor(vectors)) {
        if (msixBlock != null) {
          msixBlock.close();
        }
        msixBlock = own.allocate(MsixVectors.sizeFor(vectors), TAG_MSIX);
      }
      if (d.managementDevfn() >= 0 && mgmtBlock == null) {
        mgmtBlock = own.allocate(ManagementController.memorySize(), TAG_MANAGEMENT);
      }
      RingJournal journal = RingJournal.open(journalBlock, ram, capacity);
      checkIdentity(qt, ram, journal);

      PciConfig pci = new PciConfig(qt);
      long[] placed = setUpFunction(pci, d.primaryDevfn(), Layout.PRIMARY_BAR, "controller");
      long bar0 = placed[0];
      // A BAR kept from an earlier process is not sized again (that moves it for a moment):
      // its size is in the journal.
      long barSize = placed[1] != 0 ? placed[1]
          : journal.bar0() == bar0 && journal.bar0Size() != 0 ? journal.bar0Size()
          : pci.sizeBar0(d.primaryDevfn());
      int dstrd = new Cap(qt.readq(bar0 + Bar0.CAP)).dstrd();
      journal.bar0(bar0, barSize, dstrd);
      int cc = qt.readl(bar0 + Bar0.CC);
      journal.reconcile(cc);

      int msixCap = pci.findCapability(d.primaryDevfn(), PciConfig.CAP_ID_MSIX);
      if (msixCap == 0) {
        throw new QemuException("device=" + d.deviceId() + ": no MSI-X capability");
      }
      int ctl = pci.read16(d.primaryDevfn(), msixCap + 2);
      int tableSize = (ctl & 0x7FF) + 1;
      int table = pci.read32(d.primaryDevfn(), msixCap + 4);
      if ((table & 7) != 0) {
        throw new QemuException("device=" + d.deviceId() + ": MSI-X table in BAR "
            + (table & 7) + ", expected BAR 0");
      }
      long tableOffset = table & ~7L;
      MsixVectors msix = new MsixVectors(msixBlock, Math.min(vectors, tableSize));
      for (int v = 0; v < msix.count(); v++) {
        long entry = bar0 + tableOffset + 16L * v;
        long addr = msix.messageAddress(v);
        qt.writel(entry, (int) addr);
        qt.writel(entry + 4, (int) (addr >>> 32));
        qt.writel(entry + 8, MsixVectors.MESSAGE_DATA);
        qt.writel(entry + 12, 0); // vector control: unmasked
      }
      qt.barrier();
      // QEMU marks vectors in use when a completion queue is created with MSI-X enabled, so it
      // is enabled before the driver enables the controller (which creates the admin CQ).
      pci.write16(d.primaryDevfn(), msixCap + 2, (ctl | MSIX_ENABLE) & ~MSIX_FUNCTION_MASK);

      if ((cc & 1) == 0) {
        List<PoolAllocation> freed = pool.freePending(d.deviceId());
        if (!freed.isEmpty()) {
          LOG.info("device={}: controller disabled, freed {} blocks a previous driver left",
              d.deviceId(), freed.size());
        }
      }

      ManagementController mgmt = null;
      if (d.managementDevfn() >= 0) {
        long mbar = setUpFunction(pci, d.managementDevfn(), Layout.MANAGEMENT_BAR,
            "management controller")[0];
        mgmt = new ManagementController(qt, mbar, mgmtBlock, responseTimeout.toNanos());
        mgmt.start();
      }
      QemuDevice device = new QemuDevice(d.deviceId(), qt, bar0, barSize, tableOffset, dstrd,
          journal, msix, pool.dataOffset(), d.ramSize());
      LOG.info("attached to QEMU name={} pid={} device={} bar0=0x{} cc=0x{} vectors={}"
          + " journal={}", d.name(), d.pid(), d.deviceId(), Long.toHexString(bar0),
          Integer.toHexString(cc), msix.count(), journal.queueIds());
      return new Attachment(runDirectory, d, qt, pool, ram, journal, device, mgmt, bar0, dstrd,
          responseTimeout);
    } catch (QemuException e) {
      cleanUpFailed(qt, pool);
      throw e;
    } catch (IOException | DmaException | RuntimeException e) {
      cleanUpFailed(qt, pool);
      throw new QemuException("runDirectory=" + runDirectory + ": cannot attach: "
          + e.getMessage(), e);
    }
  }

  private static void cleanUpFailed(QtestClient qt, PagePool pool) {
    if (qt != null) {
      qt.close();
    }
    if (pool != null) {
      pool.close();
    }
  }

  /**
   * Proves the RAM file is this QEMU's guest RAM: a nonce written through qtest must appear in
   * the mapping, and its complement written to the mapping must come back through qtest. Catches
   * a wrong path and a file recreated under a running QEMU (which keeps the old inode).
   */
  private static void checkIdentity(QtestClient qt, GuestRam ram, RingJournal journal)
      throws QemuException {
    long gpa = journal.nonceAddress();
    long nonce = new SecureRandom().nextLong() | 1;
    qt.writeq(gpa, nonce);
    long viaQtest = qt.readq(gpa);
    long viaBlock = (long) LONG.getVolatile(journal.nonceView(), RingJournal.H_NONCE);
    long viaRam = ram.getLongVolatile(gpa);
    if (viaQtest != nonce || viaBlock != nonce || viaRam != nonce) {
      throw new QemuException("ramFile=" + ram.file() + " is not this QEMU's guest RAM: nonce 0x"
          + Long.toHexString(nonce) + " written through qtest read back as 0x"
          + Long.toHexString(viaQtest) + " (qtest), 0x" + Long.toHexString(viaBlock)
          + " (page pool), 0x" + Long.toHexString(viaRam) + " (mapping)");
    }
    ram.putLongVolatile(gpa, ~nonce);
    long back = qt.readq(gpa);
    ram.putLongVolatile(gpa, 0);
    if (back != ~nonce) {
      throw new QemuException("ramFile=" + ram.file() + " is not this QEMU's guest RAM: a write"
          + " to the mapping did not reach QEMU");
    }
  }

  /**
   * Checks the function is QEMU's NVMe controller and returns its BAR 0 address and, if it
   * placed it now, its size (else 0): placed at {@code address} unless memory decoding is on
   * already (a running controller keeps its BAR).
   */
  private static long[] setUpFunction(PciConfig pci, int devfn, long address, String what)
      throws QemuException {
    PciConfig.Function f = pci.function(devfn);
    if (f == null || f.vendor() != QEMU_VENDOR || f.device() != QEMU_NVME_DEVICE
        || f.classCode() != PciConfig.CLASS_NVME) {
      throw new QemuException("no QEMU NVMe " + what + " at PCI " + String.format(
          "0000:00:%02x.%x", devfn >>> 3, devfn & 7) + " (found " + f + ")");
    }
    long bar = pci.bar0(devfn);
    if (pci.memoryEnabled(devfn) && bar != 0) {
      pci.enableMemoryAndBusMaster(devfn);
      return new long[] {bar, 0};
    }
    long size = pci.sizeBar0(devfn);
    if (size > Layout.BAR_WINDOW) {
      throw new QemuException(what + " BAR 0 of " + size + " bytes does not fit its window");
    }
    pci.placeBar0(devfn, address);
    return new long[] {address, size};
  }

  public QemuDevice device() {
    return device;
  }

  public PagePool pool() {
    return pool;
  }

  public Path runDirectory() {
    return runDirectory;
  }

  public MachineDescriptor descriptor() {
    return descriptor;
  }

  public long journalResets() {
    return journal.resets();
  }

  public long journalEnables() {
    return journal.enables();
  }

  public int readCc() {
    try {
      return qt.readl(bar0 + Bar0.CC);
    } catch (QtestException e) {
      return -1;
    }
  }

  public int readCsts() {
    try {
      return qt.readl(bar0 + Bar0.CSTS);
    } catch (QtestException e) {
      return -1;
    }
  }

  public boolean hasManagement() {
    return management != null;
  }

  /** Namespace Attachment through the management controller, naming the driver's controller. */
  public void namespaceAttachment(int nsid, boolean attach) throws QemuException {
    if (management == null) {
      throw new QemuException("device=" + descriptor.deviceId() + ": no subsystem, so no"
          + " namespace attachment (configure subsystem=true)");
    }
    try {
      List<Integer> others = new ArrayList<>(management.subsystemControllers());
      others.remove(Integer.valueOf(management.cntlid()));
      if (others.size() != 1) {
        throw new QemuException("subsystem controllers " + others + " besides the management"
            + " controller; expected exactly one");
      }
      int status = management.attachment(nsid, others.get(0), attach);
      if (status != 0) {
        throw new QemuException("namespace " + (attach ? "attach" : "detach") + " nsid=" + nsid
            + " controller=" + others.get(0) + " failed: status 0x"
            + Integer.toHexString(status));
      }
      LOG.info("device={}: namespace nsid={} {} controller {}", descriptor.deviceId(), nsid,
          attach ? "attached to" : "detached from", others.get(0));
    } catch (QtestException | IllegalStateException e) {
      throw new QemuException("namespace attachment nsid=" + nsid + ": " + e.getMessage(), e);
    }
  }

  /** Crash recovery; see {@code QemuMachine.recover}. */
  public RecoveryReport recover(Duration timeout) throws QemuException {
    int cc = readCc();
    int csts = readCsts();
    if (cc == -1 || (cc & 1) == 0 || (csts & 1) == 0) {
      throw new QemuException("device=" + descriptor.deviceId() + ": the controller is not"
          + " enabled and ready (CC=0x" + Integer.toHexString(cc) + " CSTS=0x"
          + Integer.toHexString(csts) + "); nothing to recover");
    }
    try {
      RecoveryReport r = journal.recover(cc, csts, (qid, sq, value) -> qt.writel(bar0
          + (sq ? Bar0.sqTailDoorbell(qid, dstrd) : Bar0.cqHeadDoorbell(qid, dstrd)), value),
          timeout.toNanos());
      qt.barrier();
      LOG.info("device={}: recovered queues {} drained={} stale={} rolledBack={}"
          + " asyncEventsLost={}", descriptor.deviceId(),
          r.queues().stream().map(RecoveryReport.Queue::qid).toList(), r.drained(), r.stale(),
          r.rolledBack(), r.asyncEventsLost());
      return r;
    } catch (IllegalStateException | QtestException e) {
      throw new QemuException("device=" + descriptor.deviceId() + ": recovery failed: "
          + e.getMessage(), e);
    }
  }

  /** Detaches: interrupt waiters woken, qtest closed, pool closed; QEMU runs on. */
  @Override
  public void close() {
    device.close();
    qt.close();
    pool.close();
    ram.close();
  }
}
