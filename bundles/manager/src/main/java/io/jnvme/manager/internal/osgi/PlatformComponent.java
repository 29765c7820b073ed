package io.jnvme.manager.internal.osgi;

import io.jnvme.manager.ControllerServicing;
import io.jnvme.manager.ControllerView;
import io.jnvme.manager.PlatformControllers;
import java.time.Duration;
import java.util.function.Predicate;
import io.jnvme.manager.Servicing;
import io.jnvme.manager.ServicingException;
import io.jnvme.manager.ServicingReport;
import io.jnvme.manager.internal.platform.ConfiguredController;
import io.jnvme.manager.internal.platform.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's configured controllers, and servicing: the driver bundle is updated (from a new
 * jar or reloaded) and refreshed; while its factory service is gone every configured controller
 * saves itself (keepalive) or shuts down, and when it is back they are restored or started.
 * Lives in the manager bundle because it must outlast the driver bundle it replaces.
 */
@Component(service = {PlatformComponent.class, Servicing.class, PlatformControllers.class},
    immediate = true)
public final class PlatformComponent implements Servicing, PlatformControllers {
  /** Symbolic name of the bundle servicing replaces. */
  public static final String DRIVER_BSN = "io.jnvme.driver";
  private static final Logger LOG = LoggerFactory.getLogger(PlatformComponent.class);
  private static final long SETTLE_MILLIS = 60_000;

  private final BundleContext context;
  private final Platform platform = new Platform();
  private volatile ServicingReport last;
  private final java.nio.file.Path stateDir;
  private final io.jnvme.manager.ControllerManager manager;
  private final String managerFailure;
  private final java.util.Map<String, io.jnvme.device.DeviceFactory> transports =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<ConfiguredController,
      org.osgi.framework.ServiceRegistration<io.jnvme.driver.NvmeController>> registrations =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile io.jnvme.driver.NvmeDriverFactory driver;
  private volatile io.jnvme.device.DmaClientProvider dma;

  /**
   * Opens the ownership registry in the state directory and builds the controller manager; a
   * registry that cannot be opened disables connect and disconnect (with the reason), never the
   * controllers.
   */
  @Activate
  public PlatformComponent(BundleContext context) {
    this.context = context;
    this.stateDir = ControllerConfigComponent.stateDir(context);
    io.jnvme.manager.ControllerManager m = null;
    String why = null;
    try {
      io.jnvme.manager.registry.OwnershipRegistry registry =
          io.jnvme.manager.registry.OwnershipRegistry.open(stateDir);
      dropStaleEmulatedEntries(registry);
      m = new io.jnvme.manager.ControllerManager(registry,
          new io.jnvme.manager.internal.platform.PlatformConnector(this::addController,
              java.time.Duration.ofSeconds(60)),
          io.jnvme.manager.naming.NamingPolicy.DEFAULT);
    } catch (io.jnvme.manager.registry.RegistryException e) {
      why = "the ownership registry in " + stateDir + " cannot be used: " + e.getMessage();
      LOG.error(why);
    }
    this.manager = m;
    this.managerFailure = why;
  }

  /**
   * Emulated controllers live in this JVM, so a registry entry of one left by an earlier JVM on
   * this state directory is stale; removed by id, so a new entry that reused the name survives.
   */
  private static void dropStaleEmulatedEntries(io.jnvme.manager.registry.OwnershipRegistry r) {
    try {
      for (io.jnvme.manager.registry.RegistryEntry e : r.list()) {
        if ("emulated".equals(e.transport())) {
          r.removeIfIdMatches(e.name(), e.id());
        }
      }
    } catch (io.jnvme.manager.registry.RegistryException e) {
      LOG.warn("stale registry entries not cleaned: {}", e.getMessage());
    }
  }

  public Platform platform() {
    return platform;
  }

  /** The controller manager (names, owners), or empty with {@link #managerFailure()}. */
  public Optional<io.jnvme.manager.ControllerManager> manager() {
    return Optional.ofNullable(manager);
  }

  public String managerFailure() {
    return managerFailure;
  }

  /** Adds a controller to the platform and tries to start it (the manager's connector). */
  private ConfiguredController addController(
      io.jnvme.manager.internal.platform.ControllerConfig cfg) {
    ConfiguredController[] self = new ConfiguredController[1];
    ConfiguredController c = new ConfiguredController(cfg, stateDir,
        ctrl -> publish(self[0], ctrl), ctrl -> withdraw(self[0]));
    self[0] = c;
    c.onStopped(() -> {
      withdraw(c);
      platform.remove(c);
    });
    platform.add(c);
    c.ensureRunning(driver, dma, transports.get(cfg.transport()));
    platform.changed();
    return c;
  }

  private void publish(ConfiguredController c, io.jnvme.driver.NvmeController ctrl) {
    java.util.Dictionary<String, Object> props = new java.util.Hashtable<>();
    props.put(io.jnvme.driver.NvmeController.NAME, c.config().name());
    props.put(io.jnvme.device.Device.TRANSPORT_TYPE, c.config().transport());
    props.put(io.jnvme.device.Device.DEVICE_ID, ctrl.deviceId());
    if (!c.config().owner().isEmpty()) {
      props.put("controller.owner", c.config().owner());
    }
    registrations.put(c,
        context.registerService(io.jnvme.driver.NvmeController.class, ctrl, props));
  }

  private void withdraw(ConfiguredController c) {
    org.osgi.framework.ServiceRegistration<?> r = registrations.remove(c);
    if (r != null) {
      try {
        r.unregister();
      } catch (IllegalStateException e) {
        // The bundle is stopping and took the registration with it.
      }
    }
  }

  private void reconcileAll() {
    for (ConfiguredController c : platform.controllers()) {
      c.ensureRunning(driver, dma, transports.get(c.config().transport()));
    }
    platform.changed();
  }

  @org.osgi.service.component.annotations.Reference(
      cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
      policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC,
      policyOption = org.osgi.service.component.annotations.ReferencePolicyOption.GREEDY)
  void bindDriver(io.jnvme.driver.NvmeDriverFactory f) {
    driver = f;
    reconcileAll();
  }

  void unbindDriver(io.jnvme.driver.NvmeDriverFactory f) {
    if (driver == f) {
      // The driver is still usable here: each controller saves itself (keepalive) or shuts down.
      for (ConfiguredController c : platform.controllers()) {
        c.driverLeaving();
      }
      driver = null;
      platform.changed();
    }
  }

  @org.osgi.service.component.annotations.Reference(
      cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
      policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC,
      policyOption = org.osgi.service.component.annotations.ReferencePolicyOption.GREEDY)
  void bindDma(io.jnvme.device.DmaClientProvider p) {
    dma = p;
    for (ConfiguredController c : platform.controllers()) {
      c.allocatorChanged(p);
    }
    reconcileAll();
  }

  void unbindDma(io.jnvme.device.DmaClientProvider p) {
    if (dma == p) {
      dma = null;
      for (ConfiguredController c : platform.controllers()) {
        c.allocatorChanged(null);
      }
    }
  }

  @org.osgi.service.component.annotations.Reference(
      cardinality = org.osgi.service.component.annotations.ReferenceCardinality.MULTIPLE,
      policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
  void bindTransport(io.jnvme.device.DeviceFactory f, java.util.Map<String, Object> props) {
    transports.put(String.valueOf(props.getOrDefault(io.jnvme.device.Device.TRANSPORT_TYPE,
        f.transport())), f);
    reconcileAll();
  }

  void unbindTransport(io.jnvme.device.DeviceFactory f, java.util.Map<String, Object> props) {
    String type = String.valueOf(props.getOrDefault(io.jnvme.device.Device.TRANSPORT_TYPE,
        f.transport()));
    if (transports.remove(type, f)) {
      // Called while the transport still works: its controllers shut down in order.
      for (ConfiguredController c : platform.controllers()) {
        if (c.config().transport().equals(type)) {
          c.transportLeaving();
        }
      }
      platform.changed();
    }
  }

  /**
   * Resets controller {@code name} and brings it up again.
   *
   * @throws IllegalArgumentException if there is no such controller
   */
  public String reset(String name) {
    ConfiguredController c = platform.controllers().stream()
        .filter(x -> x.config().name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown controller '" + name + "'"));
    String how = c.reset(driver, dma, transports.get(c.config().transport()));
    platform.changed();
    return how;
  }

  /** Stops every controller when the manager goes. */
  @org.osgi.service.component.annotations.Deactivate
  void deactivate() {
    for (ConfiguredController c : platform.controllers()) {
      c.stop();
    }
  }

  @Override
  public List<ControllerView> controllers() {
    return platform.controllers().stream().map(ConfiguredController::view).toList();
  }

  @Override
  public boolean await(Predicate<List<ControllerView>> condition, Duration timeout)
      throws InterruptedException {
    return platform.await(cs -> condition.test(cs.stream().map(ConfiguredController::view)
        .toList()), timeout.toMillis());
  }

  @Override
  public Optional<ServicingReport> last() {
    return Optional.ofNullable(last);
  }

  @Override
  public synchronized ServicingReport service(Optional<Path> driverJar) throws ServicingException {
    Bundle driver = null;
    for (Bundle b : context.getBundles()) {
      if (DRIVER_BSN.equals(b.getSymbolicName())) {
        driver = b;
      }
    }
    if (driver == null) {
      throw new ServicingException("no bundle " + DRIVER_BSN + " is installed", null);
    }
    Instant at = Instant.now();
    long t0 = System.nanoTime();
    String from = driver.getVersion().toString();
    LOG.info("servicing starts driver={} from={} jar={}", DRIVER_BSN, from,
        driverJar.map(Path::toString).orElse("(reload)"));
    try {
      // Stop, update, refresh, start: one save and one restore. (An update of an active bundle
      // restarts it, and the refresh would restart it a second time.)
      driver.stop(Bundle.STOP_TRANSIENT);
      if (driverJar.isPresent()) {
        try (InputStream in = Files.newInputStream(driverJar.get())) {
          driver.update(in);
        }
      } else {
        driver.update();
      }
      refresh(driver);
      driver.start(Bundle.START_TRANSIENT);
      if (!platform.awaitSettled(SETTLE_MILLIS)) {
        throw new ServicingException("controllers did not come back within " + SETTLE_MILLIS
            + " ms", null);
      }
    } catch (BundleException | IOException e) {
      throw new ServicingException("driver update failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServicingException("interrupted while servicing", e);
    }
    List<ControllerServicing> per = new ArrayList<>();
    for (ConfiguredController c : platform.controllers()) {
      ControllerServicing s = c.lastServicing();
      per.add(s != null ? s : new ControllerServicing(c.config().name(), c.config().keepalive(),
          "not serviced (" + c.phase() + ")", 0, c.failure()));
    }
    ServicingReport report = new ServicingReport(at, from, driver.getVersion().toString(),
        (System.nanoTime() - t0) / 1_000_000, List.copyOf(per));
    last = report;
    LOG.info("servicing done totalMs={} controllers={}", report.totalMillis(), per);
    if (!report.ok()) {
      throw new ServicingException("controllers did not come back: " + per, null);
    }
    return report;
  }

  /** Refreshes the updated bundle so its old revision goes away; waits for the refresh. */
  private void refresh(Bundle driver) throws InterruptedException, ServicingException {
    FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
    CountDownLatch done = new CountDownLatch(1);
    wiring.refreshBundles(List.of(driver), e -> {
      if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
        done.countDown();
      }
    });
    if (!done.await(SETTLE_MILLIS, TimeUnit.MILLISECONDS)) {
      throw new ServicingException("refresh of " + DRIVER_BSN + " did not finish", null);
    }
  }
}
