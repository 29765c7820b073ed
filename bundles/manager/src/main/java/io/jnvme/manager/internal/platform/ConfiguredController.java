package io.jnvme.manager.internal.platform;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceFactory;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.ControllerStartException;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeDriverFactory;
import io.jnvme.driver.SavedStateException;
import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.driver.savestate.SavedStateCodec;
import io.jnvme.manager.ControllerServicing;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured controller through its whole life: its device is opened once and kept while the
 * driver comes and goes; the driver runs it; when the driver leaves (a bundle update, a JVM stop),
 * a keepalive controller is saved to the state directory and released without a reset, the
 * others are shut down; when a driver arrives, it is restored from the saved state if there is
 * one, else started cold.
 *
 * <p>Plain Java: the OSGi component only feeds it the services it needs. Thread safe.
 */
public final class ConfiguredController {
  private static final Logger LOG = LoggerFactory.getLogger(ConfiguredController.class);

  /** Life cycle as shown by {@code nvme:status}. */
  public enum Phase {
    /** Waiting for the driver, an allocator or the transport. */
    WAITING,
    /** Running: registered as an NvmeController service. */
    RUNNING,
    /** The driver is being replaced; the controller was saved or shut down. */
    SERVICING,
    /** Could not start; see {@link #failure()}. */
    FAILED,
    /** The configuration was removed. */
    STOPPED
  }

  private final ControllerConfig config;
  private final Path stateDir;
  private final Consumer<NvmeController> publish;
  private final Consumer<NvmeController> withdraw;

  private Device device;
  private NvmeController controller;
  private Phase phase = Phase.WAITING;
  private String failure;
  private String waitingFor = "driver";
  private long servicingStartNanos;
  private ControllerServicing lastServicing;
  private Runnable onStopped = () -> { };

  /**
   * @param publish registers a running controller (as an OSGi service)
   * @param withdraw unregisters it
   */
  public ConfiguredController(ControllerConfig config, Path stateDir,
      Consumer<NvmeController> publish, Consumer<NvmeController> withdraw) {
    this.config = config;
    this.stateDir = stateDir;
    this.publish = publish;
    this.withdraw = withdraw;
  }

  public ControllerConfig config() {
    return config;
  }

  /** Called once after {@link #stop()}. */
  public synchronized void onStopped(Runnable r) {
    this.onStopped = r;
  }

  /** Waits until it runs, failed or stopped. */
  public synchronized boolean awaitStarted(long timeoutMillis) throws InterruptedException {
    return awaitPhase(timeoutMillis, Phase.RUNNING, Phase.FAILED, Phase.STOPPED);
  }

  /** Waits until it runs or stopped (a failure is retried when services change). */
  public synchronized boolean awaitRunning(long timeoutMillis) throws InterruptedException {
    return awaitPhase(timeoutMillis, Phase.RUNNING, Phase.STOPPED);
  }

  private boolean awaitPhase(long timeoutMillis, Phase... phases) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!java.util.List.of(phases).contains(phase)) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }

  public synchronized Phase phase() {
    return phase;
  }

  public synchronized String failure() {
    return failure;
  }

  /** What it waits for in {@link Phase#WAITING}. */
  public synchronized String waitingFor() {
    return waitingFor;
  }

  public synchronized NvmeController controller() {
    return controller;
  }

  public synchronized ControllerServicing lastServicing() {
    return lastServicing;
  }

  /** A snapshot for the platform's public view. */
  public synchronized io.jnvme.manager.ControllerView view() {
    return new io.jnvme.manager.ControllerView(config.name(), phase.name(),
        phase == Phase.WAITING ? "waiting for " + waitingFor : failure, config.keepalive(),
        controller == null ? null : controller.status().lastStart(), lastServicing);
  }

  private Path stateFile() {
    return stateDir.resolve(config.name() + ".jnvme-state");
  }

  private ControllerOptions options() {
    return ControllerOptions.defaults(config.name())
        .withKeepalive(config.keepalive())
        .withMaxIoQueues(config.maxIoQueues())
        .withIoQueueEntries(config.ioQueueEntries())
        .withCommandTimeout(config.commandTimeout())
        .withCpuCount(config.cpuCount());
  }

  /**
   * Starts the controller if everything it needs is there: restores it from saved state when
   * there is some, else starts it cold. A start failure leaves it {@link Phase#FAILED} with the
   * reason; it is tried again when a service it needs changes.
   */
  public synchronized void ensureRunning(NvmeDriverFactory driver, DmaClientProvider dma,
      DeviceFactory transport) {
    try {
      start(driver, dma, transport);
    } finally {
      notifyAll();
    }
  }

  private void start(NvmeDriverFactory driver, DmaClientProvider dma, DeviceFactory transport) {
    if (phase == Phase.RUNNING || phase == Phase.STOPPED) {
      return;
    }
    if (driver == null || dma == null || transport == null) {
      waitingFor = driver == null ? "driver" : dma == null ? "DMA allocator"
          : "transport '" + config.transport() + "'";
      if (phase != Phase.SERVICING) {
        phase = Phase.WAITING;
      }
      return;
    }
    try {
      if (device == null) {
        device = transport.open(config.name(), config.transportOptions());
      }
      byte[] saved = readState();
      NvmeController c;
      if (saved != null) {
        ControllerSavedState st;
        try {
          st = SavedStateCodec.decode(saved);
          c = driver.restore(device, dma.clientFor(device.id()), options(), st);
        } catch (SavedStateException e) {
          LOG.warn("controller={} saved state unusable, starting cold: {}", config.name(),
              e.getMessage());
          c = driver.start(device, dma.clientFor(device.id()), options());
        }
        deleteState();
      } else {
        c = driver.start(device, dma.clientFor(device.id()), options());
      }
      controller = c;
      phase = Phase.RUNNING;
      failure = null;
      publish.accept(c);
      if (servicingStartNanos != 0) {
        long pause = (System.nanoTime() - servicingStartNanos) / 1000;
        lastServicing = new ControllerServicing(config.name(), config.keepalive(),
            c.status().lastStart(), pause, null);
        servicingStartNanos = 0;
        LOG.info("controller={} back after servicing lastStart={} pauseUs={}", config.name(),
            c.status().lastStart(), pause);
      }
    } catch (ControllerStartException | DeviceException | RuntimeException e) {
      phase = Phase.FAILED;
      failure = e.getMessage();
      if (servicingStartNanos != 0) {
        lastServicing = new ControllerServicing(config.name(), config.keepalive(), "failed",
            (System.nanoTime() - servicingStartNanos) / 1000, failure);
        servicingStartNanos = 0;
      }
      LOG.error("controller={} failed to start: {}", config.name(), e.getMessage());
    }
  }

  /**
   * The driver is leaving (bundle update or stop). Called while it is still usable: a keepalive
   * controller is saved, the state written durably, and released without a reset; any other is
   * shut down.
   */
  public synchronized void driverLeaving() {
    try {
      leave();
    } finally {
      notifyAll();
    }
  }

  private void leave() {
    if (phase != Phase.RUNNING) {
      if (phase == Phase.FAILED) {
        phase = Phase.WAITING;
      }
      waitingFor = "driver";
      return;
    }
    servicingStartNanos = System.nanoTime();
    NvmeController c = controller;
    withdraw.accept(c);
    controller = null;
    phase = Phase.SERVICING;
    waitingFor = "driver";
    if (config.keepalive()) {
      try {
        writeState(SavedStateCodec.encode(c.save()));
        c.release();
        LOG.info("controller={} saved for servicing, released without reset", config.name());
        return;
      } catch (SavedStateException | IOException e) {
        LOG.error("controller={} could not be saved, shutting it down: {}", config.name(),
            e.getMessage());
        c.resumeAfterSave();
        deleteState();
      }
    }
    c.close();
  }

  /**
   * {@code nvme:reset}: shuts the controller down and brings it up again; bring-up resets it
   * (CC.EN = 0) before enabling. Outstanding commands fail with a typed error; the controller is
   * re-registered as a new service.
   *
   * @return how the controller came back
   * @throws IllegalStateException if it is not running
   */
  public synchronized String reset(NvmeDriverFactory driver, DmaClientProvider dma,
      DeviceFactory transport) {
    if (phase != Phase.RUNNING) {
      throw new IllegalStateException("controller " + config.name() + " is " + phase
          + ", not running");
    }
    NvmeController c = controller;
    withdraw.accept(c);
    c.close();
    controller = null;
    phase = Phase.WAITING;
    deleteState();
    start(driver, dma, transport);
    notifyAll();
    if (phase != Phase.RUNNING) {
      throw new IllegalStateException("controller " + config.name() + " did not come back: "
          + failure);
    }
    return controller.status().lastStart();
  }

  /** The configuration was removed or the manager stops: shut down and give the device back. */
  public synchronized void stop() {
    if (phase == Phase.STOPPED) {
      return;
    }
    shutDownAndGiveBackDevice();
    phase = Phase.STOPPED;
    notifyAll();
    onStopped.run();
  }

  /**
   * The transport is going away (its bundle stops): shut the controller down and give the device
   * back while the transport can still take it. It starts again when the transport returns.
   */
  public synchronized void transportLeaving() {
    if (phase == Phase.STOPPED) {
      return;
    }
    shutDownAndGiveBackDevice();
    phase = Phase.WAITING;
    waitingFor = "transport '" + config.transport() + "'";
    notifyAll();
  }

  /** Shuts the running controller down (service withdrawn first) and closes the device. */
  private void shutDownAndGiveBackDevice() {
    if (controller != null) {
      withdraw.accept(controller);
      controller.close();
      controller = null;
    }
    if (device != null) {
      device.close();
      device = null;
    }
  }

  /** The allocator changed: new queues use it; memory in use stays where it is. */
  public synchronized void allocatorChanged(DmaClientProvider dma) {
    if (controller != null && device != null) {
      controller.allocator(dma == null ? null : dma.clientFor(device.id()));
    }
  }

  private byte[] readState() {
    try {
      return Files.exists(stateFile()) ? Files.readAllBytes(stateFile()) : null;
    } catch (IOException e) {
      LOG.warn("controller={} cannot read saved state {}: {}", config.name(), stateFile(),
          e.toString());
      return null;
    }
  }

  /** Temp file, fsync, atomic rename: a crash leaves the old state or the new, never half. */
  private void writeState(byte[] bytes) throws IOException {
    Files.createDirectories(stateDir);
    Path tmp = stateDir.resolve(config.name() + ".jnvme-state.tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(bytes));
      ch.force(true);
    }
    Files.move(tmp, stateFile(), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  private void deleteState() {
    try {
      Files.deleteIfExists(stateFile());
    } catch (IOException e) {
      LOG.warn("controller={} cannot delete used state {}: {}", config.name(), stateFile(),
          e.toString());
    }
  }
}
