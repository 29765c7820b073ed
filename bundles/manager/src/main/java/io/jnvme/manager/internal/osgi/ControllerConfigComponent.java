package io.jnvme.manager.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceFactory;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeDriverFactory;
import io.jnvme.manager.internal.platform.ConfiguredController;
import io.jnvme.manager.internal.platform.ControllerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One controller per factory configuration {@code io.jnvme.controller} (files in {@code etc/}
 * through FileInstall). A changed configuration restarts only its own controller. The driver
 * factory, the allocator and the transport are dynamic references: when the driver goes away
 * (a bundle update) the controller is saved or shut down, when it comes back it is restored or
 * started; a new allocator is used for new queues.
 */
@Component(configurationPid = ControllerConfigComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE, service = {}, immediate = true)
@Designate(ocd = ControllerConfiguration.class, factory = true)
public final class ControllerConfigComponent {
  /** The factory PID of controller configurations. */
  public static final String PID = "io.jnvme.controller";
  /** Framework property naming the state directory for saved controllers. */
  public static final String STATE_DIR = "jnvme.state.dir";

  private final BundleContext context;
  private final ConfiguredController controller;
  private final PlatformComponent platform;
  private final Map<String, DeviceFactory> transports = new ConcurrentHashMap<>();
  private volatile NvmeDriverFactory driver;
  private volatile DmaClientProvider dma;
  private ServiceRegistration<NvmeController> registration;
  private boolean active;

  @Activate
  public ControllerConfigComponent(BundleContext context, ControllerConfiguration config,
      @Reference PlatformComponent platform) {
    this.context = context;
    this.platform = platform;
    ControllerConfig c = new ControllerConfig(config.name(), config.transport(),
        ControllerConfig.parseOptions(config.transportOptions()), config.keepalive(),
        config.maxIoQueues(), config.ioQueueEntries(),
        Duration.ofMillis(config.commandTimeoutMillis()), config.owner(), config.cpuCount());
    this.controller = new ConfiguredController(c, stateDir(context), this::publish,
        this::withdraw);
  }

  static Path stateDir(BundleContext context) {
    String dir = context.getProperty(STATE_DIR);
    return dir != null && !dir.isBlank()
        ? Path.of(dir)
        : Path.of(System.getProperty("java.io.tmpdir"), "jnvme-state");
  }

  @Activate
  void activate() {
    synchronized (this) {
      active = true;
    }
    platform.platform().add(controller);
    reconcile();
  }

  @Deactivate
  void deactivate() {
    synchronized (this) {
      active = false;
    }
    controller.stop();
    platform.platform().remove(controller);
  }

  private void reconcile() {
    synchronized (this) {
      if (!active) {
        return;
      }
    }
    controller.ensureRunning(driver, dma, transports.get(controller.config().transport()));
    platform.platform().changed();
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void bindDriver(NvmeDriverFactory f) {
    driver = f;
    reconcile();
  }

  void unbindDriver(NvmeDriverFactory f) {
    if (driver == f) {
      // The driver is still usable here: save (keepalive) or shut down before it goes.
      controller.driverLeaving();
      driver = null;
      platform.platform().changed();
    }
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void bindDma(DmaClientProvider p) {
    dma = p;
    controller.allocatorChanged(p);
    reconcile();
  }

  void unbindDma(DmaClientProvider p) {
    if (dma == p) {
      dma = null;
      controller.allocatorChanged(null);
    }
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void bindTransport(DeviceFactory f, Map<String, Object> props) {
    transports.put(String.valueOf(props.getOrDefault(Device.TRANSPORT_TYPE, f.transport())), f);
    reconcile();
  }

  void unbindTransport(DeviceFactory f, Map<String, Object> props) {
    transports.remove(String.valueOf(props.getOrDefault(Device.TRANSPORT_TYPE, f.transport())), f);
  }

  private synchronized void publish(NvmeController c) {
    Dictionary<String, Object> props = new Hashtable<>();
    props.put(NvmeController.NAME, controller.config().name());
    props.put(Device.TRANSPORT_TYPE, controller.config().transport());
    props.put(Device.DEVICE_ID, c.deviceId());
    if (!controller.config().owner().isEmpty()) {
      props.put("controller.owner", controller.config().owner());
    }
    registration = context.registerService(NvmeController.class, c, props);
  }

  private synchronized void withdraw(NvmeController c) {
    if (registration != null) {
      try {
        registration.unregister();
      } catch (IllegalStateException e) {
        // The bundle is stopping and took the registration with it.
      }
      registration = null;
    }
  }
}
