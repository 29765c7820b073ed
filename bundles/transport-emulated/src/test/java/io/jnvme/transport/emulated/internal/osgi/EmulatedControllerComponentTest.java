package io.jnvme.transport.emulated.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.Device;
import io.jnvme.transport.emulated.EmulatedController;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** The DS adapter without a framework: a recording BundleContext and a proxy configuration. */
class EmulatedControllerComponentTest {
  /** A service registration the stub context recorded. */
  record Registered(Class<?> type, Object service, Dictionary<String, ?> props, boolean[] gone) {}

  private final List<Registered> registered = new ArrayList<>();

  private BundleContext context() {
    return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {BundleContext.class}, (p, m, args) -> {
          if (m.getName().equals("registerService") && args[0] instanceof Class<?> c) {
            @SuppressWarnings("unchecked")
            Dictionary<String, ?> props = (Dictionary<String, ?>) args[2];
            boolean[] gone = new boolean[1];
            registered.add(new Registered(c, args[1], props, gone));
            return Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServiceRegistration.class}, (p2, m2, a2) -> {
                  if (m2.getName().equals("unregister")) {
                    gone[0] = true;
                  }
                  return null;
                });
          }
          throw new UnsupportedOperationException(m.getName());
        });
  }

  /** The configuration with its defaults, except for {@code overrides}. */
  private static EmulatedControllerConfiguration config(Map<String, Object> overrides) {
    return (EmulatedControllerConfiguration) Proxy.newProxyInstance(
        EmulatedControllerConfiguration.class.getClassLoader(),
        new Class<?>[] {EmulatedControllerConfiguration.class}, (p, m, args) -> {
          if (overrides.containsKey(m.getName())) {
            return overrides.get(m.getName());
          }
          Object d = m.getDefaultValue();
          if (d == null) {
            throw new UnsupportedOperationException(m.getName());
          }
          return d;
        });
  }

  @Test
  void unconfiguredItRegistersNvme0WithTwoNamespaces() throws Exception {
    EmulatedControllerComponent c = new EmulatedControllerComponent(context(), config(Map.of()));
    io.jnvme.device.RegisterIo bar;
    try {
      bar = c.controller().device().mapBar(0);
      assertEquals(2, registered.size());
      Registered dev = registered.get(0);
      assertEquals(Device.class, dev.type());
      assertEquals("emulated", dev.props().get(Device.TRANSPORT_TYPE));
      assertEquals("emulated:nvme0", dev.props().get(Device.DEVICE_ID));
      assertEquals("nvme0", dev.props().get(Device.CONTROLLER_NAME));
      assertEquals(EmulatedController.class, registered.get(1).type());
      EmulatedController ctrl = (EmulatedController) registered.get(1).service();
      assertTrue(ctrl.device() == dev.service());
      assertEquals(List.of(1, 2), ctrl.namespaceIds());
      assertEquals(256L << 20, ctrl.namespace(1).orElseThrow().sizeBytes());
      assertEquals(64L << 20, ctrl.namespace(2).orElseThrow().sizeBytes());
      assertEquals(512, ctrl.namespace(2).orElseThrow().lbaSize());
    } finally {
      c.deactivate();
    }
    assertTrue(registered.get(0).gone()[0]);
    assertTrue(registered.get(1).gone()[0]);
    assertEquals(-1, bar.read32(0), "closed: the device is gone");
  }

  @Test
  void configurationShapesTheController() throws Exception {
    Map<String, Object> o = new HashMap<>();
    o.put("name", "nvme7");
    o.put("namespaces", "3:null:1T,4:8M:4096");
    o.put("serialNumber", "SN7");
    o.put("interruptVectors", 3);
    EmulatedControllerComponent c = new EmulatedControllerComponent(context(), config(o));
    try {
      EmulatedController ctrl = c.controller();
      assertEquals("nvme7", ctrl.name());
      assertEquals(List.of(3, 4), ctrl.namespaceIds());
      assertEquals(3, ctrl.device().maxInterruptCount());
      assertEquals("emulated:nvme7", registered.get(0).props().get(Device.DEVICE_ID));
    } finally {
      c.deactivate();
    }
  }

  @Test
  void badConfigurationFailsActivationWithTheReason() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new EmulatedControllerComponent(context(), config(Map.of("namespaces", "1:12Q"))));
    assertTrue(e.getMessage().contains("1:12Q"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new EmulatedControllerComponent(context(), config(Map.of("name", "bad name"))));
    assertTrue(registered.isEmpty());
  }
}
