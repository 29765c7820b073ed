package io.jnvme.transport.vfio.internal.osgi;

import io.jnvme.transport.vfio.VfioTransport;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of one VFIO controller (factory PID {@value VfioTransport#PID}). */
@ObjectClassDefinition(
    id = VfioTransport.PID,
    name = "jnvme VFIO NVMe controller",
    description = "A PCIe NVMe controller bound to vfio-pci, registered as a Device with "
        + "transport.type=vfio. Create one factory configuration per controller; see "
        + "docs/VFIO.md for the host setup.")
public @interface VfioDeviceConfiguration {
  @AttributeDefinition(name = "PCI address",
      description = "The controller's PCI address, DDDD:BB:DD.F, e.g. 0000:01:00.0 (lspci -D)")
  String address();

  @AttributeDefinition(name = "Controller name",
      description = "The controller.name the driver registers it under, e.g. nvme1")
  String name();

  @AttributeDefinition(name = "IOMMU",
      description = "auto (the IOMMU if the group has one, else no-IOMMU mode), type1, noiommu")
  String iommu() default "auto";

  @AttributeDefinition(name = "Memlock",
      description = "DMA memory to be able to pin, checked against RLIMIT_MEMLOCK unless the "
          + "process has CAP_IPC_LOCK: bytes, or with K, M, G; 0 skips the check")
  String memlock() default "64M";

  @AttributeDefinition(name = "Interrupt vectors",
      description = "MSI-X vectors to enable; 0 for min(MSI-X table size, CPUs + 1)")
  int vectors() default 0;
}
