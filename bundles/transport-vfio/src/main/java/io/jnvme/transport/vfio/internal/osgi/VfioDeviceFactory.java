package io.jnvme.transport.vfio.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceFactory;
import io.jnvme.transport.vfio.VfioTransport;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * Opens VFIO devices for controller configurations and {@code nvme:connect --transport vfio
 * --option address=0000:01:00.0}; the options are those of {@link VfioTransport#open(Map)}.
 * Every missing precondition is reported with the message docs/VFIO.md documents.
 */
@Component(service = DeviceFactory.class, property = Device.TRANSPORT_TYPE + "=" + VfioTransport.TRANSPORT)
public final class VfioDeviceFactory implements DeviceFactory {
  @Override
  public String transport() {
    return VfioTransport.TRANSPORT;
  }

  @Override
  public Device open(String name, Map<String, String> options) throws DeviceException {
    return VfioTransport.open(options);
  }
}
