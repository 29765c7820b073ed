package io.jnvme.transport.qemu.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.Device;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.transport.qemu.QemuConfig;
import io.jnvme.transport.qemu.QemuMachine;
import io.jnvme.transport.qemu.QemuNamespace;
import io.jnvme.transport.qemu.QemuTestSupport;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

/** The DS adapter without a framework: a recording BundleContext and a proxy configuration. */
class QemuControllerComponentTest {
  /** A service registration the stub context recorded. */
  record Registered(Class<?> type, Object service, Dictionary<String, ?> props, List<Class<?>> gone) {}

  private final List<Registered> registered = new ArrayList<>();
  private final List<Class<?>> unregistered = new ArrayList<>();

  private BundleContext context() {
    return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {BundleContext.class}, (p, m, args) -> {
          if (m.getName().equals("registerService") && args[0] instanceof Class<?> c) {
            @SuppressWarnings("unchecked")
            Dictionary<String, ?> props = (Dictionary<String, ?>) args[2];
            registered.add(new Registered(c, args[1], props, unregistered));
            return Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServiceRegistration.class}, (p2, m2, a2) -> {
                  if (m2.getName().equals("unregister")) {
                    unregistered.add(c);
                  }
                  return null;
                });
          }
          throw new UnsupportedOperationException(m.getName());
        });
  }

  private static QemuControllerConfiguration config(Map<String, Object> overrides) {
    return (QemuControllerConfiguration) Proxy.newProxyInstance(
        QemuControllerConfiguration.class.getClassLoader(),
        new Class<?>[] {QemuControllerConfiguration.class}, (p, m, args) -> {
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
  void withoutConfigurationOrModePropertyItRegistersNothing() throws Exception {
    QemuControllerComponent c = new QemuControllerComponent(context(), config(Map.of()),
        Map.of("component.name", "x"));
    assertNull(c.machine());
    assertTrue(registered.isEmpty());
    c.deactivate();
  }

  @Test
  void systemPropertiesDescribeTheControllerWhenThereIsNoConfiguration() {
    Properties p = new Properties();
    assertNull(QemuControllerComponent.fromProperties(p));
    p.setProperty("jnvme.qemu.mode", "start");
    p.setProperty("jnvme.qemu.name", "q7");
    p.setProperty("jnvme.qemu.ramSize", "128M");
    p.setProperty("jnvme.qemu.namespaces", "1:64M,2:null:1G:4096,3:file=/var/tmp/n3.img:1G:detached");
    p.setProperty("jnvme.qemu.controllerName", "nvme5");
    QemuControllerComponent.Settings s = QemuControllerComponent.fromProperties(p);
    assertEquals("start", s.mode());
    assertEquals("nvme5", s.controllerName());
    assertEquals(128L << 20, s.config().ramSize());
    assertEquals(List.of(QemuNamespace.temporary(1, 64L << 20, 512),
        QemuNamespace.nullDevice(2, 1L << 30, 4096),
        QemuNamespace.file(3, Path.of("/var/tmp/n3.img"), 1L << 30, 512).asDetached()),
        s.config().namespaces());
    p.setProperty("jnvme.qemu.mode", "bogus");
    assertThrows(IllegalArgumentException.class, () -> QemuControllerComponent.fromProperties(p));
    p.setProperty("jnvme.qemu.mode", "start");
    p.setProperty("jnvme.qemu.namespaces", "1:12Q");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> QemuControllerComponent.fromProperties(p));
    assertTrue(e.getMessage().contains("1:12Q"), e.getMessage());
  }

  @Test
  void configuredItStartsQemuRegistersPoolDeviceAndMachineAndStopsItAgain() throws Exception {
    QemuTestSupport.requireQemu();
    QemuConfig base = QemuTestSupport.config("osgi", List.of());
    Map<String, Object> o = new HashMap<>();
    o.put("name", base.name());
    o.put("run_directory", base.runDirectory().toString());
    o.put("ram_size", "64M");
    o.put("namespaces", "1:32M,2:16M:4096:detached");
    o.put("controller_name", "nvme4");
    QemuControllerComponent c = new QemuControllerComponent(context(), config(o),
        Map.of(Constants.SERVICE_PID, "io.jnvme.transport.qemu~1"));
    Path ram;
    try {
      assertEquals(List.of(DmaClientProvider.class, Device.class, QemuMachine.class,
          io.jnvme.device.DeviceFactory.class),
          registered.stream().map(Registered::type).toList());
      Dictionary<String, ?> dma = registered.get(0).props();
      assertEquals("qemu-ram", dma.get(DmaClientProvider.NAME));
      assertEquals(30, dma.get(Constants.SERVICE_RANKING));
      Dictionary<String, ?> dev = registered.get(1).props();
      assertEquals("qemu", dev.get(Device.TRANSPORT_TYPE));
      assertEquals("nvme4", dev.get(Device.CONTROLLER_NAME));
      assertEquals("qemu:" + base.name() + "/0000:00:04.0", dev.get(Device.DEVICE_ID));
      QemuMachine m = (QemuMachine) registered.get(2).service();
      assertSame(m.device(), registered.get(1).service());
      ram = m.pool().file();
      // What the driver's component does with the two services.
      DmaClientProvider provider = (DmaClientProvider) registered.get(0).service();
      Device device = (Device) registered.get(1).service();
      try (NvmeController ctrl = new DriverFactory().start(device,
          provider.clientFor(device.id()), ControllerOptions.defaults("nvme4"))) {
        assertEquals(1, ctrl.namespaces().size());
        m.attachNamespace(2);
      }
    } finally {
      c.deactivate();
    }
    assertEquals(List.of(io.jnvme.device.DeviceFactory.class, QemuMachine.class, Device.class,
        DmaClientProvider.class), unregistered,
        "the factory (controllers shut down) goes first, the device before its memory");
    assertFalse(Files.exists(ram), "RAM file deleted with QEMU");
    assertFalse(Files.exists(base.runDirectory()), "run directory deleted");
  }
}
