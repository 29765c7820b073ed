package io.jnvme.transport.emulated.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceFactory;
import io.jnvme.device.RegisterIo;
import io.jnvme.spec.Bar0;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The emulated transport as a plain ServiceLoader provider, without OSGi. */
class EmulatedTransportTest {
  @Test
  void serviceLoaderFindsTheEmulatedTransport() {
    List<DeviceFactory> found = ServiceLoader.load(DeviceFactory.class).stream()
        .map(ServiceLoader.Provider::get).toList();
    assertEquals(1, found.size(), found.toString());
    assertTrue(found.get(0) instanceof EmulatedTransport);
    assertEquals("emulated", found.get(0).transport());
  }

  @Test
  void openBuildsTheControllerAndCloseEndsIt() throws Exception {
    Device device = new EmulatedTransport().open("nvme7", Map.of("namespaces", "1:1M"));
    RegisterIo bar = device.mapBar(0);
    assertEquals("emulated", device.transport());
    assertTrue(device.id().contains("nvme7"), device.id());
    assertNotEquals(0xFFFF_FFFF, bar.read32(Bar0.VS));
    device.close();
    assertEquals(0xFFFF_FFFF, bar.read32(Bar0.VS), "registers read all ones once closed");
  }

  @Test
  void unknownOptionIsRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new EmulatedTransport().open("nvme7", Map.of("namespacez", "1:1M")));
    assertTrue(e.getMessage().contains("namespacez"), e.getMessage());
  }
}
