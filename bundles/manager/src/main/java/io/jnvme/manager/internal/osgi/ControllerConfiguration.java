package io.jnvme.manager.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One NVMe controller of the platform (factory PID {@code io.jnvme.controller}). There is no name
 * key: the manager names controllers as Linux does, lowest free instance first.
 */
@ObjectClassDefinition(name = "jnvme controller",
    description = "An NVMe controller: the transport that opens its device and how the driver runs it.")
public @interface ControllerConfiguration {
  @AttributeDefinition(description = "Transport: emulated, qemu or vfio")
  String transport() default "emulated";

  @AttributeDefinition(description = "Transport options as key=value pairs separated by ';',"
      + " e.g. namespaces=1:256M,2:64M;mdts=5")
  String transportOptions() default "";

  @AttributeDefinition(description = "Keep queues in persistent memory and save/restore them"
      + " across servicing without a reset")
  boolean keepalive() default false;

  @AttributeDefinition(description = "At most this many I/O queues; 0 = one per CPU")
  int maxIoQueues() default 0;

  @AttributeDefinition(description = "Entries per I/O queue")
  int ioQueueEntries() default 256;

  @AttributeDefinition(description = "Command timeout in milliseconds")
  long commandTimeoutMillis() default 30_000;

  @AttributeDefinition(description = "Who owns the controller (empty: nobody)")
  String owner() default "";

  @AttributeDefinition(description = "CPU slots that select I/O queues; 0 = available processors")
  int cpuCount() default 0;
}
