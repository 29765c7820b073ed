package io.jnvme.transport.emulated.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.internal.EmulatedTransport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
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
 * Builds an {@link EmulatedController} from configuration and registers its {@link Device} and
 * the controller itself as services, both with {@code transport.type=emulated},
 * {@code device.id} and {@code controller.name}: each factory configuration adds one bare device.
 * The platform's controllers come from controller configurations instead, which open their
 * devices through {@link EmulatedDeviceFactory}.
 *
 * <p>The services are registered by hand rather than provided by the component, because they are
 * two objects of which the component is neither.
 */
@Component(
    configurationPid = EmulatedControllerComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    service = {})
@Designate(ocd = EmulatedControllerConfiguration.class, factory = true)
public final class EmulatedControllerComponent {
  /** The configuration PID (a factory PID). */
  public static final String PID = "io.jnvme.transport.emulated";

  private static final Logger LOG = LoggerFactory.getLogger(EmulatedControllerComponent.class);

  private final EmulatedController controller;
  private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

  /**
   * Builds and registers the controller.
   *
   * @throws IOException if a file namespace cannot be opened
   * @throws IllegalArgumentException if the configuration is invalid; the message says where
   */
  @Activate
  public EmulatedControllerComponent(BundleContext context, EmulatedControllerConfiguration config)
      throws IOException {
    this.controller = EmulatedTransport.build(config);
    try {
      Dictionary<String, Object> props = new Hashtable<>();
      props.put(Device.TRANSPORT_TYPE, EmulatedController.TRANSPORT);
      props.put(Device.DEVICE_ID, controller.device().id());
      props.put(Device.CONTROLLER_NAME, controller.name());
      registrations.add(context.registerService(Device.class, controller.device(), props));
      registrations.add(context.registerService(EmulatedController.class, controller, props));
    } catch (RuntimeException e) {
      deactivate();
      throw e;
    }
    LOG.info("controller={} emulated controller registered: device={} namespaces={}",
        controller.name(), controller.device().id(), controller.namespaceIds());
  }

  /** The controller this component built (for tests). */
  EmulatedController controller() {
    return controller;
  }

  /** Unregisters the services and closes the controller. */
  @Deactivate
  void deactivate() {
    for (ServiceRegistration<?> r : registrations) {
      try {
        r.unregister();
      } catch (IllegalStateException e) {
        // Already unregistered: the framework is stopping the bundle.
      }
    }
    registrations.clear();
    controller.close();
    LOG.info("controller={} emulated controller closed", controller.name());
  }
}
