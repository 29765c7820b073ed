package io.jnvme.transport.emulated;

import io.jnvme.device.Device;
import io.jnvme.transport.emulated.internal.ControllerConfig;
import io.jnvme.transport.emulated.internal.ControllerEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An in-process NVMe 2.0 controller (PCIe transport) that a driver reaches through its
 * {@link #device() Device}: BAR 0 registers and doorbells, MSI-X style interrupt vectors, and DMA
 * to host memory the driver mapped with {@link Device#mapDma}.
 *
 * <pre>{@code
 * try (EmulatedController c = EmulatedController.builder("nvme0")
 *     .namespace(1, EmulatedNamespace.memory(256L << 20, 512))
 *     .build()) {
 *   Device d = c.device();   // hand it to the driver
 *   ...
 *   assertEquals(1, c.commandLog().count(AdminOpcode.CREATE_IO_SQ));
 * }
 * }</pre>
 *
 * <h2>What the controller implements</h2>
 *
 * <ul>
 *   <li>Registers (Base spec 2.0, §3.1.4): CAP (CQR = 1, MPSMIN = MPSMAX = 0, CSS = NVM), VS = 2.0,
 *       INTMS/INTMC (a mask per vector 0..31), CC, CSTS, AQA, ASQ, ACQ, doorbells with the
 *       configured stride. Unknown offsets read as 0 and ignore writes.
 *   <li>CC.EN 0 to 1 checks CSS = 0, MPS = 0, AMS = 0, IOSQES = 6, IOCQES = 4, AQA (2 entries at
 *       least) and ASQ/ACQ (page aligned and mapped); an invalid configuration sets CSTS.CFS until
 *       the next reset. CSTS.RDY follows after the ready delay. CC.EN 1 to 0 is a controller reset:
 *       all queues and outstanding commands go, features return to defaults. CC.SHN completes at
 *       once (CSTS.SHST = 10b) and stops command processing until the next enable.
 *   <li>Admin commands: Identify CNS 00h, 01h, 02h, 03h (EUI-64, NGUID, UUID, CSI), 05h and 06h
 *       for the NVM set; Get/Set Features for Arbitration, Power Management, Temperature
 *       Threshold, Error Recovery, Volatile Write Cache, Number of Queues, Interrupt Coalescing,
 *       Interrupt Vector Configuration, Write Atomicity and Async Event Configuration (none
 *       saveable); Create/Delete I/O SQ/CQ; Asynchronous Event Request (four outstanding);
 *       Get Log Page 00h, 01h, 02h (per namespace too), 04h; Abort (always "not aborted"). Any
 *       other opcode, including Namespace Attachment, completes with Invalid Command Opcode.
 *   <li>NVM commands: Flush, Write (FUA recorded in the log), Read, Write Zeroes, Dataset
 *       Management (deallocated blocks read as zeros). PRPs only, per §4.1.1, chained PRP lists
 *       included.
 *   <li>Asynchronous events: namespace attribute notices (when Async Event Configuration bit 8 is
 *       set, the default) and errors for invalid doorbell writes, each masked after it is reported
 *       until the host reads the log page with RAE cleared.
 * </ul>
 *
 * <p>Status codes follow the specification, with Do Not Retry set on errors the controller
 * detects in a command. One deliberate choice: an I/O command to an inactive NSID completes with
 * Invalid Namespace or Format, as many devices do and as the driver expects, where Base spec 2.0
 * §3.2.1.5 would allow Invalid Field in Command; admin commands follow §3.2.1.5.
 *
 * <h2>Threads</h2>
 *
 * <p>Each controller has one daemon thread, {@code emu-<name>}, that fetches and executes
 * commands after doorbell writes and sleeps when there is nothing to do. With
 * {@link Builder#inlineExecution(boolean)}, commands run on the thread that writes the SQ
 * doorbell instead, and the thread only runs timers. Commands of different I/O queues may execute
 * concurrently; completions of one queue can arrive out of order when a delay fault holds one
 * back. A completion queue that is full makes its completions wait and its submission queues stop
 * fetching until the host frees entries; an unconsumed entry is never overwritten.
 *
 * <h2>Device and controller</h2>
 *
 * <p>The controller is not itself a {@link Device}: {@link #device()} returns its one device
 * view. Closing that device only detaches a host (it wakes the host's interrupt waiters); the
 * controller keeps its state, so another host can take over its running queues. Closing the
 * controller stops its thread, drops its queues, closes its namespaces, and makes every register
 * read all ones.
 *
 * @since 1.0
 */
public final class EmulatedController implements AutoCloseable {
  /** The value of the {@link Device#TRANSPORT_TYPE} service property: {@value}. */
  public static final String TRANSPORT = "emulated";

  private final ControllerEngine engine;

  private EmulatedController(ControllerEngine engine) {
    this.engine = engine;
  }

  /**
   * A builder for a controller named {@code name} (letters, digits, {@code . _ -}; e.g.
   * {@code nvme0}). The device id is {@code emulated:<name>}.
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The controller name. */
  public String name() {
    return engine.name();
  }

  /** The device a driver uses; always the same object. */
  public Device device() {
    return engine.device();
  }

  /** Fault injection. */
  public FaultInjector faults() {
    return engine.faults();
  }

  /** The log of fetched commands. */
  public CommandLog commandLog() {
    return engine.commandLog();
  }

  /**
   * Attaches {@code ns} as namespace {@code nsid}, records the NSID in the Changed Namespace List
   * and raises a namespace attribute notice. Works in any controller state; the notice waits for
   * an Asynchronous Event Request.
   *
   * @throws IllegalArgumentException if {@code nsid} is not 1..NN
   * @throws IllegalStateException if the NSID is already attached or the controller is closed
   */
  public void addNamespace(int nsid, EmulatedNamespace ns) {
    engine.addNamespace(nsid, Objects.requireNonNull(ns, "ns"));
  }

  /**
   * Detaches namespace {@code nsid} and tells the host as {@link #addNamespace} does. The
   * namespace is not closed: it can be added again, with its data.
   *
   * @return the namespace that was attached
   * @throws IllegalArgumentException if no namespace {@code nsid} is attached
   */
  public EmulatedNamespace removeNamespace(int nsid) {
    return engine.removeNamespace(nsid);
  }

  /**
   * Resizes namespace {@code nsid} and tells the host as {@link #addNamespace} does.
   *
   * @throws IllegalArgumentException if no namespace {@code nsid} is attached or the size is not
   *     valid for it
   * @throws IOException if the medium cannot be resized
   */
  public void resizeNamespace(int nsid, long sizeBytes) throws IOException {
    engine.resizeNamespace(nsid, sizeBytes);
  }

  /**
   * Tells the host that namespace {@code nsid} changed, though nothing did: a spurious notice,
   * for testing the host's rescan.
   */
  public void notifyNamespaceChanged(int nsid) {
    engine.notifyNamespaceChanged(nsid);
  }

  /** The namespace attached as {@code nsid}. */
  public Optional<EmulatedNamespace> namespace(int nsid) {
    return Optional.ofNullable(engine.namespace(nsid));
  }

  /** The attached NSIDs, in increasing order. */
  public List<Integer> namespaceIds() {
    return engine.activeNsids();
  }

  /** Controller resets (CC.EN 1 to 0) since the controller was built. */
  public long resetCount() {
    return engine.resetCount();
  }

  /** Shutdown notifications (CC.SHN set) since the controller was built. */
  public long shutdownCount() {
    return engine.shutdownCount();
  }

  /** Enables (CC.EN 0 to 1) since the controller was built, valid or not. */
  public long enableCount() {
    return engine.enableCount();
  }

  /** Asynchronous Event Requests the controller holds now. */
  public int outstandingAsyncEventRequests() {
    return engine.outstandingAsyncEventRequests();
  }

  /** Times interrupt vector {@code vector} was raised since the controller was built. */
  public long interruptCount(int vector) {
    return engine.interruptCount(vector);
  }

  /** Stops the controller; see the class documentation. Closing twice has no effect. */
  @Override
  public void close() {
    engine.close();
  }

  @Override
  public String toString() {
    return engine.toString();
  }

  /**
   * Builds an {@link EmulatedController}. Every setting has a default. Each {@link #build()}
   * makes a new controller; controllers built from one builder share its namespace objects (and
   * their data), and closing either closes them.
   *
   * @since 1.0
   */
  public static final class Builder {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final String name;
    private String serialNumber;
    private String modelNumber = "jnvme emulated NVMe controller";
    private String firmwareRevision = "0.1.0";
    private int maxQueueEntries = 1024;
    private int maxIoQueues = 64;
    private int interruptVectors = 16;
    private int mdts = 5;
    private int capTimeout = 20;
    private int dstrd;
    private int maxNamespaceId = 1024;
    private int vendorId;
    private Duration readyDelay = Duration.ZERO;
    private boolean inlineExecution;
    private int commandLogCapacity = 100_000;
    private final Map<Integer, EmulatedNamespace> namespaces = new TreeMap<>(Integer::compareUnsigned);

    private Builder(String name) {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("name=" + name
            + ": 1 to 64 letters, digits, '.', '_' or '-'");
      }
      this.name = name;
      String sn = "JNVME-EMU-" + name;
      this.serialNumber = sn.length() > 20 ? sn.substring(0, 20) : sn;
    }

    private static String ascii(String field, String v, int max) {
      Objects.requireNonNull(v, field);
      if (v.length() > max || !StandardCharsets.US_ASCII.newEncoder().canEncode(v)) {
        throw new IllegalArgumentException(field + "=\"" + v + "\": at most " + max
            + " ASCII characters");
      }
      return v;
    }

    private static int range(String field, int v, int min, int max) {
      if (v < min || v > max) {
        throw new IllegalArgumentException(field + "=" + v + ": must be " + min + ".." + max);
      }
      return v;
    }

    /** Identify Controller SN, up to 20 ASCII characters. Default {@code JNVME-EMU-<name>}. */
    public Builder serialNumber(String v) {
      serialNumber = ascii("serialNumber", v, 20);
      return this;
    }

    /** Identify Controller MN, up to 40 ASCII characters. */
    public Builder modelNumber(String v) {
      modelNumber = ascii("modelNumber", v, 40);
      return this;
    }

    /** Identify Controller FR, up to 8 ASCII characters. */
    public Builder firmwareRevision(String v) {
      firmwareRevision = ascii("firmwareRevision", v, 8);
      return this;
    }

    /** Largest queue in entries, CAP.MQES + 1: 2..65536, default 1024. */
    public Builder maxQueueEntries(int v) {
      maxQueueEntries = range("maxQueueEntries", v, 2, 65536);
      return this;
    }

    /** I/O queues (of each kind) Number of Queues can grant: 1..65535, default 64. */
    public Builder maxIoQueues(int v) {
      maxIoQueues = range("maxIoQueues", v, 1, 65535);
      return this;
    }

    /** Interrupt vectors, {@link Device#maxInterruptCount()}: 1..2048, default 16. */
    public Builder interruptVectors(int v) {
      interruptVectors = range("interruptVectors", v, 1, 2048);
      return this;
    }

    /**
     * Identify Controller MDTS: transfers up to {@code 2^mdts} 4 KiB pages; 0 means no limit.
     * 0..16, default 5 (128 KiB).
     */
    public Builder mdts(int v) {
      mdts = range("mdts", v, 0, 16);
      return this;
    }

    /** CAP.TO, the worst-case ready time in 500 ms units: 1..255, default 20 (10 s). */
    public Builder capTimeout(int v) {
      capTimeout = range("capTimeout", v, 1, 255);
      return this;
    }

    /** CAP.DSTRD: doorbells {@code 4 << dstrd} bytes apart; 0..15, default 0. */
    public Builder dstrd(int v) {
      dstrd = range("dstrd", v, 0, 15);
      return this;
    }

    /** Identify Controller NN, the largest valid NSID: default 1024. */
    public Builder maxNamespaceId(int v) {
      maxNamespaceId = range("maxNamespaceId", v, 1, Integer.MAX_VALUE);
      return this;
    }

    /** Identify Controller VID and SSVID (for testing vendor quirks): default 0. */
    public Builder vendorId(int v) {
      vendorId = range("vendorId", v, 0, 0xFFFF);
      return this;
    }

    /** Time from CC.EN = 1 to CSTS.RDY = 1: default zero. */
    public Builder readyDelay(Duration v) {
      if (v.isNegative()) {
        throw new IllegalArgumentException("readyDelay=" + v + ": negative");
      }
      readyDelay = v;
      return this;
    }

    /**
     * Execute commands on the thread that writes the SQ tail doorbell, so that benchmarks measure
     * the driver without a thread hand-off. Default false.
     */
    public Builder inlineExecution(boolean v) {
      inlineExecution = v;
      return this;
    }

    /** Entries the command log keeps (0 turns logging off): default 100,000. */
    public Builder commandLogCapacity(int v) {
      commandLogCapacity = range("commandLogCapacity", v, 0, 10_000_000);
      return this;
    }

    /**
     * Attaches a namespace at start.
     *
     * @throws IllegalArgumentException if the NSID is not positive or already used
     */
    public Builder namespace(int nsid, EmulatedNamespace ns) {
      Objects.requireNonNull(ns, "ns");
      if (nsid <= 0) {
        throw new IllegalArgumentException("nsid=" + Integer.toUnsignedString(nsid)
            + ": must be 1..NN");
      }
      if (namespaces.putIfAbsent(nsid, ns) != null) {
        throw new IllegalArgumentException("nsid=" + nsid + ": already configured");
      }
      return this;
    }

    /**
     * Builds and starts the controller (its thread starts; the controller waits for CC.EN).
     *
     * @throws IllegalArgumentException if a namespace's NSID exceeds {@code maxNamespaceId}
     */
    public EmulatedController build() {
      for (int nsid : namespaces.keySet()) {
        if (nsid > maxNamespaceId) {
          throw new IllegalArgumentException("nsid=" + nsid + ": above maxNamespaceId="
              + maxNamespaceId);
        }
      }
      ControllerConfig cfg = new ControllerConfig(name, serialNumber, modelNumber,
          firmwareRevision, maxQueueEntries, maxIoQueues, interruptVectors, mdts, capTimeout,
          dstrd, maxNamespaceId, vendorId, readyDelay, inlineExecution, commandLogCapacity,
          Map.copyOf(namespaces));
      return new EmulatedController(new ControllerEngine(cfg));
    }
  }
}
