package io.jnvme.transport.qemu.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceFactory;
import io.jnvme.device.DeviceInterrupt;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import io.jnvme.device.RegisterIo;
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
    return new Device() {
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
        inUse.set(false);
      }
    };
  }
}
