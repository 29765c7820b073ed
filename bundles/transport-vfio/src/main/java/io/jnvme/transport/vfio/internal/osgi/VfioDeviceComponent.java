package io.jnvme.transport.vfio.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.transport.vfio.VfioException;
import io.jnvme.transport.vfio.VfioOptions;
import io.jnvme.transport.vfio.VfioTransport;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.regex.Pattern;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the configured VFIO device and registers it as a {@link Device} service with
 * {@code transport.type=vfio}, {@code device.id} and {@code controller.name}; the driver then
 * starts a controller on it. One factory configuration per device; without configuration nothing
 * happens, since there is no address to guess.
 *
 * <p>A missing precondition fails activation with the {@link VfioException}'s message (logged
 * here as well, since the framework's log of a failed activation is easy to miss). The device
 * stays open while the component is active, across updates of the driver bundle; deactivating it
 * closes the device, which vfio-pci then resets.
 */
@Component(
    configurationPid = VfioTransport.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    service = {})
@Designate(ocd = VfioDeviceConfiguration.class, factory = true)
public final class VfioDeviceComponent {
  private static final Logger LOG = LoggerFactory.getLogger(VfioDeviceComponent.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

  /** Opens a device; a seam for tests, which have no IOMMU-bound device. */
  @FunctionalInterface
  interface Opener {
    Device open(String address, VfioOptions options) throws VfioException;
  }

  private final Device device;
  private final ServiceRegistration<Device> registration;

  @Activate
  public VfioDeviceComponent(BundleContext context, VfioDeviceConfiguration config)
      throws VfioException {
    this(context, config, VfioTransport::open);
  }

  VfioDeviceComponent(BundleContext context, VfioDeviceConfiguration config, Opener opener)
      throws VfioException {
    String name = config.name() == null ? "" : config.name().trim();
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("configuration " + VfioTransport.PID + ": name=\""
          + config.name() + "\": give the controller a name such as nvme1 (letters, digits, . _ -)");
    }
    String address = config.address() == null ? "" : config.address().trim();
    Map<String, String> options = new HashMap<>();
    options.put("iommu", config.iommu());
    options.put("memlock", config.memlock());
    options.put("vectors", Integer.toString(config.vectors()));
    VfioOptions vfioOptions = VfioOptions.fromMap(options);
    try {
      this.device = opener.open(address, vfioOptions);
    } catch (VfioException e) {
      LOG.error("controller={} {}", name, e.getMessage());
      throw e;
    }
    try {
      Dictionary<String, Object> props = new Hashtable<>();
      props.put(Device.TRANSPORT_TYPE, VfioTransport.TRANSPORT);
      props.put(Device.DEVICE_ID, device.id());
      props.put(Device.CONTROLLER_NAME, name);
      props.put("pci.address", address);
      this.registration = context.registerService(Device.class, device, props);
    } catch (RuntimeException e) {
      device.close();
      throw e;
    }
    LOG.info("controller={} VFIO device registered: {}", name, device.id());
  }

  Device device() {
    return device;
  }

  /** Unregisters the device (the driver stops its controller first), then closes it. */
  @Deactivate
  void deactivate() {
    try {
      registration.unregister();
    } catch (IllegalStateException e) {
      // Already unregistered: the framework is stopping the bundle.
    }
    device.close();
  }
}
