package io.jnvme.transport.vfio.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceInterrupt;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import io.jnvme.device.RegisterIo;
import io.jnvme.transport.vfio.VfioException;
import io.jnvme.transport.vfio.VfioOptions;
import io.jnvme.transport.vfio.VfioOptions.IommuMode;
import io.jnvme.transport.vfio.VfioProblem;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** The DS adapter without a framework: a recording BundleContext and a stand-in opener. */
class VfioDeviceComponentTest {
  record Registered(Class<?> type, Object service, Dictionary<String, ?> props, boolean[] gone) {}

  private final List<Registered> registered = new ArrayList<>();
  private String openedAddress;
  private VfioOptions openedOptions;
  private final boolean[] closed = new boolean[1];

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

  private static VfioDeviceConfiguration config(Map<String, Object> values) {
    return (VfioDeviceConfiguration) Proxy.newProxyInstance(
        VfioDeviceConfiguration.class.getClassLoader(),
        new Class<?>[] {VfioDeviceConfiguration.class}, (p, m, args) -> {
          if (values.containsKey(m.getName())) {
            return values.get(m.getName());
          }
          return m.getDefaultValue();
        });
  }

  private Device fakeDevice(String address) {
    return new Device() {
      @Override
      public String id() {
        return "vfio:" + address;
      }

      @Override
      public String transport() {
        return "vfio";
      }

      @Override
      public RegisterIo mapBar(int bar) {
        throw new UnsupportedOperationException();
      }

      @Override
      public int maxInterruptCount() {
        return 1;
      }

      @Override
      public DeviceInterrupt mapInterrupt(int vector, int cpu) {
        throw new UnsupportedOperationException();
      }

      @Override
      public DmaMapping mapDma(MemoryBlock block) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void close() {
        closed[0] = true;
      }
    };
  }

  private VfioDeviceComponent.Opener opener() {
    return (address, options) -> {
      openedAddress = address;
      openedOptions = options;
      return fakeDevice(address);
    };
  }

  @Test
  void registersTheOpenedDeviceWithItsNameAndClosesItOnDeactivation() throws Exception {
    Map<String, Object> c = new HashMap<>();
    c.put("address", "0000:01:00.0");
    c.put("name", "nvme1");
    c.put("iommu", "type1");
    c.put("memlock", "1G");
    c.put("vectors", 8);
    VfioDeviceComponent component = new VfioDeviceComponent(context(), config(c), opener());
    assertEquals("0000:01:00.0", openedAddress);
    assertEquals(IommuMode.TYPE1, openedOptions.iommu());
    assertEquals(1L << 30, openedOptions.memlock());
    assertEquals(8, openedOptions.vectors());
    assertEquals(1, registered.size());
    Registered r = registered.get(0);
    assertEquals(Device.class, r.type());
    assertSame(component.device(), r.service());
    assertEquals("vfio", r.props().get(Device.TRANSPORT_TYPE));
    assertEquals("vfio:0000:01:00.0", r.props().get(Device.DEVICE_ID));
    assertEquals("nvme1", r.props().get(Device.CONTROLLER_NAME));
    component.deactivate();
    assertTrue(r.gone()[0]);
    assertTrue(closed[0]);
  }

  @Test
  void aMissingPreconditionFailsActivationWithItsMessage() {
    VfioException refused = new VfioException(VfioProblem.NOT_BOUND_TO_VFIO_PCI, "0000:01:00.0",
        "vfio 0000:01:00.0: bound to nvme, not vfio-pci; ...");
    VfioException e = assertThrows(VfioException.class, () -> new VfioDeviceComponent(context(),
        config(Map.of("address", "0000:01:00.0", "name", "nvme1")), (a, o) -> {
          throw refused;
        }));
    assertSame(refused, e);
    assertTrue(registered.isEmpty());
  }

  @Test
  void aNameIsRequired() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new VfioDeviceComponent(context(), config(Map.of("address", "0000:01:00.0")),
            opener()));
    assertEquals("configuration io.jnvme.transport.vfio: name=\"null\": give the controller a name"
        + " such as nvme1 (letters, digits, . _ -)", e.getMessage());
    assertTrue(registered.isEmpty());
  }
}
