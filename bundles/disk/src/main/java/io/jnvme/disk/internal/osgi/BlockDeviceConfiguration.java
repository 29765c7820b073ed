package io.jnvme.disk.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One exposed namespace (factory PID {@value BlockDeviceComponent#PID}). Without any
 * configuration, {@code nvme0n1} is exposed.
 */
@ObjectClassDefinition(
    id = BlockDeviceComponent.PID,
    name = "jnvme block device",
    description = "Exposes one NVMe namespace as a BlockDevice service. Create one factory "
        + "configuration per namespace; without any, nvme0n1 is exposed.")
public @interface BlockDeviceConfiguration {
  @AttributeDefinition(name = "Controller", description = "Controller instance name, e.g. nvme0")
  String controller() default "nvme0";

  @AttributeDefinition(name = "NSID", description = "Namespace id")
  int nsid() default 1;

  @AttributeDefinition(name = "Name",
      description = "Device name; empty for <controller>n<nsid>, e.g. nvme0n1", required = false)
  String name() default "";

  @AttributeDefinition(name = "Read-only", description = "Refuse writes, discards and zeroes")
  boolean readOnly() default false;

  @AttributeDefinition(name = "Rebind timeout (s)",
      description = "How long I/O waits for the controller to come back (driver servicing) "
          + "before it fails and the device is withdrawn")
  int rebindTimeoutSeconds() default 30;
}
