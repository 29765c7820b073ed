package io.jnvme.transport.qemu.internal;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceInterrupt;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import io.jnvme.device.RegisterIo;
import io.jnvme.spec.Bar0;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QEMU's NVMe controller as a {@link Device}: BAR 0 through qtest {@code readl}/{@code writel},
 * interrupt vectors as MSI-X messages into guest RAM, DMA into guest RAM only.
 *
 * <p>Every register write passes through here, which is what keeps the {@link RingJournal}
 * current: doorbells, CC, AQA, ASQ and ACQ are journalled before the write is posted to QEMU.
 * When the qtest connection fails (QEMU died or hangs), reads return all ones and writes are
 * dropped, as a PCIe device that was surprise-removed: the driver takes it for a device that is
 * gone.
 */
public final class QemuDevice implements Device {
  private static final Logger LOG = LoggerFactory.getLogger(QemuDevice.class);
  /** The value of the {@link Device#TRANSPORT_TYPE} service property. */
  public static final String TRANSPORT = "qemu";

  private final String id;
  private final QtestClient qt;
  private final long bar0;
  private final long barSize;
  /** Doorbells end where the MSI-X table starts; writes past them are not doorbells. */
  private final long doorbellEnd;
  private final int dstrd;
  private final RingJournal journal;
  private final MsixVectors msix;
  private final long dmaStart;
  private final long ramSize;
  private final RegisterIo registers = new Bar0Io();
  private final AtomicBoolean writeFailureLogged = new AtomicBoolean();
  private volatile boolean closed;

  QemuDevice(String id, QtestClient qt, long bar0, long barSize, long doorbellEnd, int dstrd,
      RingJournal journal, MsixVectors msix, long dmaStart, long ramSize) {
    this.id = id;
    this.qt = qt;
    this.bar0 = bar0;
    this.barSize = barSize;
    this.doorbellEnd = doorbellEnd;
    this.dstrd = dstrd;
    this.journal = journal;
    this.msix = msix;
    this.dmaStart = dmaStart;
    this.ramSize = ramSize;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String transport() {
    return TRANSPORT;
  }

  /** The guest-physical address BAR 0 is placed at. */
  public long bar0Address() {
    return bar0;
  }

  @Override
  public RegisterIo mapBar(int bar) throws DeviceException {
    if (bar != 0) {
      throw new DeviceException("device=" + id + " bar=" + bar + ": only BAR 0 is mapped");
    }
    if (!qt.usable()) {
      throw new DeviceException("device=" + id + ": " + qt.failure());
    }
    return registers;
  }

  @Override
  public int maxInterruptCount() {
    return msix.count();
  }

  @Override
  public DeviceInterrupt mapInterrupt(int vector, int cpu) throws DeviceException {
    if (vector < 0 || vector >= msix.count()) {
      throw new DeviceException("device=" + id + " vector=" + vector + ": the device has "
          + msix.count() + " vectors");
    }
    return msix.vector(vector);
  }

  /**
   * Accepts blocks whose every page is guest RAM a device may use: above the page pool's
   * metadata and the legacy 0xA0000-0xFFFFF windows, below the end of RAM. A page pool over the
   * guest RAM file gives exactly those; any other memory is not reachable by this device.
   */
  @Override
  public DmaMapping mapDma(MemoryBlock block) throws DeviceException {
    Objects.requireNonNull(block, "block");
    for (int p = 0; p < block.pageCount(); p++) {
      long a = block.deviceAddress(p);
      if (a < dmaStart || a > ramSize - MemoryBlock.PAGE_SIZE) {
        throw new DeviceException("device=" + id + " block=" + block.tag() + " allocator="
            + block.allocatorName() + ": page " + p + " at device address 0x"
            + Long.toHexString(a) + " is not guest RAM of this QEMU (usable 0x"
            + Long.toHexString(dmaStart) + "..0x" + Long.toHexString(ramSize)
            + "); allocate from the machine's page pool");
      }
    }
    return new DmaMapping() {
      @Override
      public MemoryBlock block() {
        return block;
      }

      @Override
      public void close() {
        // Guest RAM stays reachable by the device; nothing to revoke.
      }
    };
  }

  /** Wakes the interrupt waiters; the controller keeps running (keepalive). */
  @Override
  public void close() {
    closed = true;
    msix.wakeAll();
  }

  boolean closed() {
    return closed;
  }

  private void post(long offset, int value) {
    try {
      qt.writel(bar0 + offset, value);
    } catch (QtestException e) {
      if (writeFailureLogged.compareAndSet(false, true)) {
        LOG.warn("device={}: register writes are dropped: {}", id, e.getMessage());
      }
    }
  }

  /** BAR 0: registers and doorbells, 32 and 64 bit, naturally aligned. */
  private final class Bar0Io implements RegisterIo {
    @Override
    public long length() {
      return barSize;
    }

    private boolean inside(long offset, int size) {
      return offset >= 0 && offset <= barSize - size && (offset & (size - 1)) == 0;
    }

    @Override
    public int read32(long offset) {
      if (!inside(offset, 4)) {
        throw new IndexOutOfBoundsException("BAR0 offset 0x" + Long.toHexString(offset));
      }
      try {
        return qt.readl(bar0 + offset);
      } catch (QtestException e) {
        return -1;
      }
    }

    @Override
    public long read64(long offset) {
      if (!inside(offset, 8)) {
        throw new IndexOutOfBoundsException("BAR0 offset 0x" + Long.toHexString(offset));
      }
      try {
        return qt.readq(bar0 + offset);
      } catch (QtestException e) {
        return -1L;
      }
    }

    @Override
    public void write32(long offset, int value) {
      if (!inside(offset, 4)) {
        throw new IndexOutOfBoundsException("BAR0 offset 0x" + Long.toHexString(offset));
      }
      if (offset >= Bar0.DOORBELL_BASE && offset < doorbellEnd) {
        long index = (offset - Bar0.DOORBELL_BASE) >> (2 + dstrd);
        int qid = (int) (index >> 1);
        if ((index & 1) == 0) {
          journal.sqDoorbell(qid, value);
          post(offset, value);
          msix.kick();
        } else {
          journal.cqDoorbell(qid, value);
          post(offset, value);
        }
        return;
      }
      if (offset == Bar0.CC) {
        journal.ccWritten(value);
      } else if (offset == Bar0.AQA) {
        journal.aqaWritten(value);
      } else if (offset == Bar0.ASQ || offset == Bar0.ASQ + 4) {
        journal.adminQueueHalfWritten(RingJournal.asqField(), offset != Bar0.ASQ, value);
      } else if (offset == Bar0.ACQ || offset == Bar0.ACQ + 4) {
        journal.adminQueueHalfWritten(RingJournal.acqField(), offset != Bar0.ACQ, value);
      }
      post(offset, value);
    }

    @Override
    public void write64(long offset, long value) {
      if (!inside(offset, 8)) {
        throw new IndexOutOfBoundsException("BAR0 offset 0x" + Long.toHexString(offset));
      }
      if (offset == Bar0.ASQ) {
        journal.asqWritten(value);
      } else if (offset == Bar0.ACQ) {
        journal.acqWritten(value);
      } else if ((offset >= Bar0.DOORBELL_BASE && offset < doorbellEnd) || offset == Bar0.INTMC
          || offset == Bar0.NSSR) {
        // Doorbells, CC (0x14, in the qword at 0x10) and AQA (0x24, in the qword at 0x20) are
        // 32-bit registers the journal follows: split, so that it sees them.
        write32(offset, (int) value);
        write32(offset + 4, (int) (value >>> 32));
        return;
      }
      try {
        qt.writeq(bar0 + offset, value);
      } catch (QtestException e) {
        if (writeFailureLogged.compareAndSet(false, true)) {
          LOG.warn("device={}: register writes are dropped: {}", id, e.getMessage());
        }
      }
    }
  }

  @Override
  public String toString() {
    return "QemuDevice[" + id + " bar0=0x" + Long.toHexString(bar0) + "]";
  }
}
