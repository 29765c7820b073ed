package io.jnvme.transport.emulated.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceFactory;
import io.jnvme.device.DeviceInterrupt;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import io.jnvme.device.RegisterIo;
import io.jnvme.transport.emulated.EmulatedController;
import java.io.IOException;
import java.util.Dictionary;
import java.util.HashMap;
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
 * service, for the {@code emu:} commands and tests, until its device is closed.
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
    Map<String, String> all = new HashMap<>(options);
    all.put("name", name);
    EmulatedController c;
    try {
      c = EmulatedControllerComponent.build(
          ConfigMaps.of(EmulatedControllerConfiguration.class, all));
    } catch (IOException e) {
      throw new DeviceException("cannot build emulated controller " + name + ": " + e.getMessage(),
          e);
    }
    Dictionary<String, Object> props = new Hashtable<>();
    props.put(Device.TRANSPORT_TYPE, EmulatedController.TRANSPORT);
    props.put(Device.DEVICE_ID, c.device().id());
    props.put(Device.CONTROLLER_NAME, c.name());
    ServiceRegistration<EmulatedController> reg =
        context.registerService(EmulatedController.class, c, props);
    LOG.info("controller={} emulated controller opened: namespaces={}", name, c.namespaceIds());
    return new Owned(c, reg);
  }

  /** The controller's device view; closing it ends the controller. */
  private static final class Owned implements Device {
    private final EmulatedController controller;
    private final Device device;
    private final ServiceRegistration<EmulatedController> registration;

    Owned(EmulatedController controller, ServiceRegistration<EmulatedController> registration) {
      this.controller = controller;
      this.device = controller.device();
      this.registration = registration;
    }

    @Override
    public String id() {
      return device.id();
    }

    @Override
    public String transport() {
      return device.transport();
    }

    @Override
    public RegisterIo mapBar(int bar) throws DeviceException {
      return device.mapBar(bar);
    }

    @Override
    public int maxInterruptCount() {
      return device.maxInterruptCount();
    }

    @Override
    public DeviceInterrupt mapInterrupt(int vector, int cpu) throws DeviceException {
      return device.mapInterrupt(vector, cpu);
    }

    @Override
    public DmaMapping mapDma(MemoryBlock block) throws DeviceException {
      return device.mapDma(block);
    }

    @Override
    public void close() {
      try {
        registration.unregister();
      } catch (IllegalStateException e) {
        // The bundle is stopping and took the registration with it.
      }
      controller.close();
    }
  }
}
