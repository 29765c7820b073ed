package io.jnvme.device;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One NVMe controller as a transport presents it: a register window, interrupt vectors and a way
 * to make DMA memory visible to the device. Registered as an OSGi service with the property
 * {@value #TRANSPORT_TYPE} naming the transport.
 */
@ProviderType
public interface Device extends AutoCloseable {
  /** Service property naming the transport ({@code emulated}, {@code qemu}, {@code vfio}). */
  String TRANSPORT_TYPE = "transport.type";
  /** Service property with the device's {@link #id()}. */
  String DEVICE_ID = "device.id";
  /** Service property with the controller name the device asks for (e.g. {@code nvme0}). */
  String CONTROLLER_NAME = "controller.name";

  /** A stable identifier of the device, such as a PCI address; keys persistent DMA blocks. */
  String id();

  /** The transport that provides this device, the value of {@link #TRANSPORT_TYPE}. */
  String transport();

  /**
   * Maps a BAR. NVMe registers are in BAR 0.
   *
   * @throws DeviceException if the BAR cannot be mapped
   */
  RegisterIo mapBar(int bar) throws DeviceException;

  /** How many interrupt vectors the device can deliver (MSI-X table size). At least 1. */
  int maxInterruptCount();

  /**
   * Maps interrupt vector {@code vector} for delivery near {@code cpu}. Mapping a vector again
   * returns the same interrupt, retargeted.
   *
   * @throws DeviceException if the vector cannot be mapped
   */
  DeviceInterrupt mapInterrupt(int vector, int cpu) throws DeviceException;

  /**
   * Makes a block of DMA memory reachable by the device at the block's
   * {@link MemoryBlock#deviceAddress(int) device addresses} (an IOMMU mapping, for example),
   * until the returned mapping is closed.
   *
   * @throws DeviceException if the device cannot reach this memory
   */
  DmaMapping mapDma(MemoryBlock block) throws DeviceException;

  /** Releases the device. A transport that supports keepalive leaves the controller running. */
  @Override
  void close();
}
