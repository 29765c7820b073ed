package io.jnvme.transport.emulated.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceFactory;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.internal.EmulatedTransport;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens emulated controllers for controller configurations ({@code transport=emulated}). The
 * options are those of {@link EmulatedControllerConfiguration} ({@code namespaces=1:256M,2:64M},
 * {@code mdts=5}, ...). Each controller is also registered as an {@link EmulatedController}
 * service, for the {@code emu:} commands and tests, until its device is closed. Without OSGi,
 * {@link EmulatedTransport} opens them the same way and registers nothing.
 */
@Component(service = DeviceFactory.class, immediate = true,
    property = Device.TRANSPORT_TYPE + "=" + EmulatedController.TRANSPORT)
public final class EmulatedDeviceFactory implements DeviceFactory {
  private static final Logger LOG = LoggerFactory.getLogger(EmulatedDeviceFactory.class);
  private final BundleContext context;

  @Activate
  public EmulatedDeviceFactory(BundleContext context) {
    this.context = context;
  }

  @Override
  public String transport() {
    return EmulatedController.TRANSPORT;
  }

  @Override
  public Device open(String name, Map<String, String> options) throws DeviceException {
    EmulatedController c = EmulatedTransport.create(name, options);
    Dictionary<String, Object> props = new Hashtable<>();
    props.put(Device.TRANSPORT_TYPE, EmulatedController.TRANSPORT);
    props.put(Device.DEVICE_ID, c.device().id());
    props.put(Device.CONTROLLER_NAME, c.name());
    ServiceRegistration<EmulatedController> reg =
        context.registerService(EmulatedController.class, c, props);
    LOG.info("controller={} emulated controller opened: namespaces={}", name, c.namespaceIds());
    return EmulatedTransport.owning(c, () -> {
      try {
        reg.unregister();
      } catch (IllegalStateException e) {
        // The bundle is stopping and took the registration with it.
      }
    });
  }
}
