package io.jnvme.transport.emulated.internal;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceInterrupt;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import io.jnvme.device.RegisterIo;
import java.util.Objects;

/**
 * The {@link Device} view of an emulated controller. Closing it detaches a host but leaves the
 * controller running, as unbinding a driver leaves a PCI function enabled: a later host can take
 * over its queues (keepalive). Only closing the controller stops it.
 */
final class EmulatedDevice implements Device {
  private final ControllerEngine engine;
  private final RegisterIo bar0;

  EmulatedDevice(ControllerEngine engine) {
    this.engine = engine;
    this.bar0 = new Bar0Window(engine);
  }

  @Override
  public String id() {
    return engine.cfg.deviceId();
  }

  @Override
  public String transport() {
    return Constants.TRANSPORT;
  }

  @Override
  public RegisterIo mapBar(int bar) throws DeviceException {
    if (bar != 0) {
      throw new DeviceException("device=" + id() + " bar=" + bar + ": only BAR 0 exists");
    }
    if (engine.closed()) {
      throw new DeviceException("device=" + id() + ": controller closed");
    }
    return bar0;
  }

  @Override
  public int maxInterruptCount() {
    return engine.interrupts.count();
  }

  @Override
  public DeviceInterrupt mapInterrupt(int vector, int cpu) throws DeviceException {
    if (vector < 0 || vector >= engine.interrupts.count()) {
      throw new DeviceException("device=" + id() + " vector=" + vector + ": the device has "
          + engine.interrupts.count() + " vectors");
    }
    EmulatedInterrupt i = engine.interrupts.get(vector);
    i.target(cpu);
    return i;
  }

  @Override
  public DmaMapping mapDma(MemoryBlock block) throws DeviceException {
    Objects.requireNonNull(block, "block");
    if (engine.closed()) {
      throw new DeviceException("device=" + id() + ": controller closed");
    }
    if (engine.faults.failDmaMapping()) {
      throw new DeviceException("device=" + id() + " block=" + block
          + ": DMA mapping failed (injected fault)");
    }
    return engine.dma.map(block);
  }

  /** Detaches the host: wakes its interrupt waiters; the controller keeps running. */
  @Override
  public void close() {
    engine.interrupts.wakeAll();
  }

  @Override
  public String toString() {
    return "EmulatedDevice[" + id() + "]";
  }

  /** BAR 0: the controller registers and doorbells. */
  private static final class Bar0Window implements RegisterIo {
    private final ControllerEngine engine;

    Bar0Window(ControllerEngine engine) {
      this.engine = engine;
    }

    @Override
    public long length() {
      return engine.barLength;
    }

    @Override
    public int read32(long offset) {
      return engine.read32(offset);
    }

    @Override
    public long read64(long offset) {
      return engine.read64(offset);
    }

    @Override
    public void write32(long offset, int value) {
      engine.write32(offset, value);
    }

    @Override
    public void write64(long offset, long value) {
      engine.write64(offset, value);
    }
  }
}
