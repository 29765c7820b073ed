package io.jnvme.transport.qemu.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.transport.qemu.QemuConfig;
import io.jnvme.transport.qemu.QemuException;
import io.jnvme.transport.qemu.QemuInstance;
import io.jnvme.transport.qemu.QemuMachine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts QEMU (or attaches to a running instance) and registers, in this order, its guest RAM
 * page pool as a {@link DmaClientProvider} ({@code dma.name=qemu-ram}, ranked above the other
 * allocators, because the device reaches no other memory), the controller as a {@link Device}
 * ({@code transport.type=qemu}, {@code device.id}, {@code controller.name}) and the
 * {@link QemuMachine} (for the {@code qemu:} shell commands).
 *
 * <p>Each factory configuration makes one controller. Without configuration the component reads
 * the system properties {@code jnvme.qemu.*} ({@link QemuConfig#fromProperties}, plus
 * {@code jnvme.qemu.mode}, {@code jnvme.qemu.controllerName}, {@code jnvme.qemu.keepRunning})
 * and registers nothing unless {@code jnvme.qemu.mode} is {@code start} or {@code attach}: merely
 * installing the bundle changes nothing.
 */
@Component(
    configurationPid = QemuControllerComponent.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL,
    service = {})
@Designate(ocd = QemuControllerConfiguration.class, factory = true)
public final class QemuControllerComponent {
  /** The configuration PID (a factory PID). */
  public static final String PID = "io.jnvme.transport.qemu";
  /** The {@code dma.name} of the guest RAM page pool service. */
  public static final String DMA_NAME = "qemu-ram";

  private static final Logger LOG = LoggerFactory.getLogger(QemuControllerComponent.class);

  /** What the component runs with, from configuration or system properties. */
  record Settings(String mode, QemuConfig config, String controllerName, Path runDirectory,
      int dmaRanking, boolean keepRunning) {}

  private final QemuMachine machine;
  private final QemuInstance instance;
  private final boolean keepRunning;
  private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

  /**
   * Starts or attaches, and registers the services.
   *
   * @throws QemuException if QEMU cannot be started or attached to
   */
  @Activate
  public QemuControllerComponent(BundleContext context, QemuControllerConfiguration config,
      Map<String, Object> properties) throws QemuException {
    Settings s = properties.get(Constants.SERVICE_PID) != null
        ? fromConfiguration(config)
        : fromProperties(System.getProperties());
    if (s == null) {
      LOG.debug("QEMU transport idle: no configuration and jnvme.qemu.mode not set");
      machine = null;
      instance = null;
      keepRunning = false;
      return;
    }
    this.keepRunning = s.keepRunning();
    if (s.mode().equals("attach")) {
      instance = null;
      machine = QemuMachine.attach(s.runDirectory());
    } else {
      instance = QemuInstance.launch(s.config());
      try {
        machine = QemuMachine.attach(instance);
      } catch (QemuException | RuntimeException e) {
        instance.close();
        throw e;
      }
    }
    try {
      Device device = machine.device();
      Dictionary<String, Object> dma = new Hashtable<>();
      dma.put(DmaClientProvider.NAME, DMA_NAME);
      dma.put(DmaClientProvider.PERSISTENT, Boolean.TRUE);
      dma.put(Constants.SERVICE_RANKING, s.dmaRanking());
      dma.put(Device.DEVICE_ID, device.id());
      registrations.add(context.registerService(DmaClientProvider.class, machine.pool(), dma));
      Dictionary<String, Object> props = new Hashtable<>();
      props.put(Device.TRANSPORT_TYPE, device.transport());
      props.put(Device.DEVICE_ID, device.id());
      props.put(Device.CONTROLLER_NAME, s.controllerName());
      registrations.add(context.registerService(Device.class, device, props));
      registrations.add(context.registerService(QemuMachine.class, machine, props));
      // The platform's manager opens devices through factories: this one hands out the device
      // of this QEMU (nvme:connect --transport qemu, or a controller file with transport=qemu).
      Dictionary<String, Object> factory = new Hashtable<>();
      factory.put(Device.TRANSPORT_TYPE, device.transport());
      registrations.add(context.registerService(io.jnvme.device.DeviceFactory.class,
          new MachineDeviceFactory(device), factory));
    } catch (RuntimeException e) {
      deactivate();
      throw e;
    }
    LOG.info("QEMU controller registered controller={} device={} qemuPid={} runDirectory={}",
        s.controllerName(), machine.device().id(), machine.qemuPid(), machine.runDirectory());
  }

  static Settings fromConfiguration(QemuControllerConfiguration c) {
    QemuConfig q = QemuConfig.defaults(c.name())
        .withBinary(c.binary())
        .withRamSize(QemuConfig.parseSize("ram_size", c.ram_size()))
        .withNamespaces(QemuConfig.parseNamespaces(c.namespaces()))
        .withSubsystem(c.subsystem())
        .withIoQueuePairs(c.io_queue_pairs())
        .withMdts(c.mdts());
    if (!c.run_directory().isBlank()) {
      q = q.withRunDirectory(Path.of(c.run_directory()));
    }
    return new Settings(mode(c.mode()), q, c.controller_name(), q.runDirectory(),
        c.dma_ranking(), c.keep_running());
  }

  /** Settings from {@code jnvme.qemu.*}, or null when {@code jnvme.qemu.mode} is not set. */
  static Settings fromProperties(Properties p) {
    String mode = p.getProperty(QemuConfig.PROPERTY_PREFIX + "mode");
    if (mode == null || mode.isBlank()) {
      return null;
    }
    QemuConfig q = QemuConfig.fromProperties(p);
    return new Settings(mode(mode.trim()), q,
        p.getProperty(QemuConfig.PROPERTY_PREFIX + "controllerName", "nvme1").trim(),
        q.runDirectory(), 30,
        Boolean.parseBoolean(p.getProperty(QemuConfig.PROPERTY_PREFIX + "keepRunning", "false")));
  }

  private static String mode(String m) {
    if (!m.equals("start") && !m.equals("attach")) {
      throw new IllegalArgumentException("mode=\"" + m + "\": start or attach");
    }
    return m;
  }

  /** The machine (null when idle), for tests. */
  QemuMachine machine() {
    return machine;
  }

  /**
   * Unregisters the Device first (the driver shuts its controller down while the device still
   * answers), then the DMA provider and the machine; detaches, and stops QEMU if this component
   * started it and is not to keep it running.
   */
  @Deactivate
  void deactivate() {
    for (int i = registrations.size() - 1; i >= 0; i--) {
      try {
        registrations.get(i).unregister();
      } catch (IllegalStateException e) {
        // Already unregistered: the framework is stopping the bundle.
      }
    }
    registrations.clear();
    if (machine == null) {
      return;
    }
    machine.close();
    if (instance != null) {
      if (keepRunning) {
        try {
          instance.detach();
        } catch (QemuException e) {
          LOG.warn("cannot leave QEMU running, stopping it: {}", e.getMessage());
          instance.close();
        }
      } else {
        instance.close();
      }
    }
  }
}
