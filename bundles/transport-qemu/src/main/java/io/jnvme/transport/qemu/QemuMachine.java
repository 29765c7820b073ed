package io.jnvme.transport.qemu;

import io.jnvme.device.Device;
import io.jnvme.device.DmaClient;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PagePoolException;
import io.jnvme.dma.pagepool.PoolAllocation;
import io.jnvme.transport.qemu.internal.Attachment;
import io.jnvme.transport.qemu.internal.MachineDescriptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A connection to a running QEMU instance: its NVMe controller as a {@link Device}, its guest RAM
 * as a page pool for DMA memory, its subsystem's namespace attachment, and crash recovery.
 *
 * <pre>{@code
 * try (QemuMachine m = QemuMachine.start(QemuConfig.defaults("q0"))) {
 *   NvmeController c = factory.start(m.device(), m.pool().clientFor(m.device().id()),
 *       ControllerOptions.defaults("nvme1"));
 *   ...
 * }
 * }</pre>
 *
 * <p>Attaching connects to the qtest socket (QEMU serves one client at a time, so a second
 * attach fails while the first is connected), opens the guest RAM file as a page pool (which
 * locks it for this process), proves with a nonce that the file is this QEMU's RAM, places BAR 0
 * unless it already is (a running controller is never touched), points the MSI-X vectors into
 * guest RAM and opens the ring journal. If the controller is disabled, page-pool blocks a dead
 * driver left behind are freed (the device cannot use them); if it is enabled they stay for the
 * driver that restores it.
 *
 * <p>Closing detaches: the controller keeps running for the next process; only a machine made
 * by {@link #start} also stops QEMU.
 *
 * @since 1.0
 */
public final class QemuMachine implements AutoCloseable {
  private final Attachment attachment;
  private final QemuInstance owned;
  private boolean closed;

  private QemuMachine(Attachment attachment, QemuInstance owned) {
    this.attachment = attachment;
    this.owned = owned;
  }

  /**
   * Launches QEMU and attaches to it; closing the machine stops QEMU and deletes its files.
   *
   * @throws QemuException if QEMU cannot be started or attached to
   */
  public static QemuMachine start(QemuConfig config) throws QemuException {
    QemuInstance instance = QemuInstance.launch(config);
    try {
      return new QemuMachine(Attachment.open(instance.runDirectory(),
          config.responseTimeout()), instance);
    } catch (QemuException | RuntimeException e) {
      instance.close();
      throw e;
    }
  }

  /**
   * Attaches to the instance whose run directory is {@code runDirectory}, with a 10 s limit on
   * every qtest answer.
   *
   * @throws QemuException if the instance is not running, another process is attached, or the
   *     RAM file is not this QEMU's
   */
  public static QemuMachine attach(Path runDirectory) throws QemuException {
    return attach(runDirectory, Duration.ofSeconds(10));
  }

  /** Attaches as {@link #attach(Path)}, with {@code responseTimeout} for every qtest answer. */
  public static QemuMachine attach(Path runDirectory, Duration responseTimeout)
      throws QemuException {
    return new QemuMachine(Attachment.open(runDirectory, responseTimeout), null);
  }

  /** Attaches to an instance launched by this JVM; closing the machine leaves it running. */
  public static QemuMachine attach(QemuInstance instance) throws QemuException {
    return new QemuMachine(Attachment.open(instance.runDirectory(),
        instance.config().responseTimeout()), null);
  }

  /** The NVMe controller the driver is meant to use. */
  public Device device() {
    return attachment.device();
  }

  /**
   * The guest RAM as a page pool, persistent: the driver's DMA client is
   * {@code pool().clientFor(device().id())}. Blocks of the transport itself are kept under
   * another device id ({@code <id>#qemu}).
   */
  public PagePool pool() {
    return attachment.pool();
  }

  /** The driver's DMA client: {@code pool().clientFor(device().id())}. */
  public DmaClient dmaClient() {
    return attachment.pool().clientFor(attachment.device().id());
  }

  /** The instance's run directory. */
  public Path runDirectory() {
    return attachment.runDirectory();
  }

  /** The instance name. */
  public String name() {
    return attachment.descriptor().name();
  }

  /** QEMU's process id. */
  public long qemuPid() {
    return attachment.descriptor().pid();
  }

  /** The instance this machine launched and stops on close, or null if it only attached. */
  public QemuInstance instance() {
    return owned;
  }

  /**
   * Controller resets (CC.EN 1 to 0) written through this transport since QEMU started, in this
   * and every earlier process (the count lives in guest RAM).
   */
  public long resetCount() {
    return attachment.journalResets();
  }

  /** Controller enables (CC.EN 0 to 1) written through this transport since QEMU started. */
  public long enableCount() {
    return attachment.journalEnables();
  }

  /** The controller's CC register, read now. */
  public int cc() {
    return attachment.readCc();
  }

  /** The controller's CSTS register, read now. */
  public int csts() {
    return attachment.readCsts();
  }

  /** True if the instance has a management controller (a subsystem). */
  public boolean hasSubsystem() {
    return attachment.hasManagement();
  }

  /**
   * Attaches namespace {@code nsid} to the driver's controller through the management
   * controller; the driver's controller posts a namespace attribute notice.
   *
   * @throws QemuException if there is no subsystem, or the command fails (the status is in the
   *     message, e.g. 0x118 Namespace Already Attached)
   */
  public void attachNamespace(int nsid) throws QemuException {
    attachment.namespaceAttachment(nsid, true);
  }

  /** Detaches namespace {@code nsid} from the driver's controller; see {@link #attachNamespace}. */
  public void detachNamespace(int nsid) throws QemuException {
    attachment.namespaceAttachment(nsid, false);
  }

  /**
   * Takes over the queues of a driver process that died without saving, following QEMU.md §12:
   * submissions that were written but never announced are dropped, the committed SQ tails are
   * announced again, and completions are consumed until every command of the dead process has
   * completed. Asynchronous Event Requests stay outstanding. The controller is not reset. Call it
   * before any driver uses the device.
   *
   * @throws QemuException if the controller is not enabled, the journal lost track of the queues
   *     (a reset is the only way on), or commands are still outstanding after {@code timeout}
   */
  public RecoveryReport recover(Duration timeout) throws QemuException {
    return attachment.recover(timeout);
  }

  /**
   * Frees every page-pool block of the driver's device that no driver has re-attached, after
   * checking the controller is disabled (the device then uses none of them).
   *
   * @throws QemuException if the controller is enabled
   */
  public List<PoolAllocation> freeDriverMemory() throws QemuException {
    if ((readCc() & 1) != 0) {
      throw new QemuException("device=" + device().id() + ": the controller is enabled; its"
          + " queues may still be in use");
    }
    try {
      return pool().freePending(device().id());
    } catch (PagePoolException e) {
      throw new QemuException("cannot free the driver's blocks: " + e.getMessage(), e);
    }
  }

  private int readCc() {
    return attachment.readCc();
  }

  /**
   * Detaches: the controller keeps running (and the queues stay in guest RAM) for the next
   * process. A machine made by {@link #start} also stops QEMU and deletes its files.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      attachment.close();
    } finally {
      if (owned != null) {
        owned.close();
      }
    }
  }

  /** The descriptor's process ids and paths, for diagnostics. */
  @Override
  public String toString() {
    MachineDescriptor d = attachment.descriptor();
    return "QemuMachine[name=" + d.name() + " pid=" + d.pid() + " device=" + d.deviceId() + "]";
  }
}
