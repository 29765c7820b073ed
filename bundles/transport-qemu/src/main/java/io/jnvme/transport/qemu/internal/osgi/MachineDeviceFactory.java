package io.jnvme.transport.qemu.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceFactory;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gives the platform the device of the QEMU this component started or attached to. The QEMU
 * stays the component's: closing the handed-out device only lets the next caller have it.
 */
final class MachineDeviceFactory implements DeviceFactory {
  private final Device device;
  private final AtomicBoolean inUse = new AtomicBoolean();

  MachineDeviceFactory(Device device) {
    this.device = device;
  }

  @Override
  public String transport() {
    return device.transport();
  }

  @Override
  public Device open(String name, Map<String, String> options) throws DeviceException {
    if (!options.isEmpty()) {
      throw new IllegalArgumentException("the qemu transport takes no connect options (its"
          + " QEMU is configured by io.jnvme.transport.qemu); got " + options.keySet());
    }
    if (!inUse.compareAndSet(false, true)) {
      throw new DeviceException("the QEMU controller " + device.id() + " is already connected");
    }
    return new io.jnvme.device.ForwardingDevice(device) {
      @Override
      public void close() {
        inUse.set(false);
      }
    };
  }
}
