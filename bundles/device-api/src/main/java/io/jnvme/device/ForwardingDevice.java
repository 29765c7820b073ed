package io.jnvme.device;

/**
 * A device that forwards everything to another one and decides only what {@link #close()} does:
 * for handing out a device whose life belongs to someone else (a transport component, an
 * emulated controller that must end with it).
 */
public abstract class ForwardingDevice implements Device {
  private final Device device;

  protected ForwardingDevice(Device device) {
    this.device = device;
  }

  /** The device forwarded to. */
  protected final Device delegate() {
    return device;
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
  public abstract void close();
}
