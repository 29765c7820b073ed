package io.jnvme.transport.emulated.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of one emulated controller (PID {@value EmulatedControllerComponent#PID}). */
@ObjectClassDefinition(
    id = EmulatedControllerComponent.PID,
    name = "jnvme emulated NVMe controller",
    description = "An in-process NVMe 2.0 controller registered as a Device with "
        + "transport.type=emulated. Create one factory configuration per controller.")
public @interface EmulatedControllerConfiguration {
  @AttributeDefinition(name = "Controller name",
      description = "Names the controller (device id emulated:<name>); letters, digits, . _ -")
  String name() default "nvme0";

  @AttributeDefinition(name = "Namespaces",
      description = "Comma-separated nsid:backing, backing one of SIZE[:LBA] (memory), "
          + "null:SIZE[:LBA], file=PATH:SIZE[:LBA]; SIZE takes K, M, G, T suffixes; LBA "
          + "defaults to 512. Example: 1:256M,2:64M:4096,3:null:1T,4:file=/tmp/ns4.img:1G")
  String namespaces() default "1:256M,2:64M";

  @AttributeDefinition(name = "Serial number",
      description = "Identify Controller SN, up to 20 ASCII characters; empty for JNVME-EMU-<name>",
      required = false)
  String serialNumber() default "";

  @AttributeDefinition(name = "Model number", description = "Identify Controller MN")
  String modelNumber() default "jnvme emulated NVMe controller";

  @AttributeDefinition(name = "Firmware revision", description = "Identify Controller FR")
  String firmwareRevision() default "0.1.0";

  @AttributeDefinition(name = "Maximum queue entries", description = "CAP.MQES + 1, 2..65536")
  int maxQueueEntries() default 1024;

  @AttributeDefinition(name = "Maximum I/O queues",
      description = "I/O queue pairs Set Features Number of Queues can grant")
  int maxIoQueues() default 64;

  @AttributeDefinition(name = "Interrupt vectors", description = "MSI-X vectors, 1..2048")
  int interruptVectors() default 16;

  @AttributeDefinition(name = "MDTS",
      description = "Maximum data transfer: 2^MDTS pages of 4 KiB; 0 = no limit")
  int mdts() default 5;

  @AttributeDefinition(name = "CAP.TO", description = "Worst-case ready time in 500 ms units")
  int capTimeout() default 20;

  @AttributeDefinition(name = "Doorbell stride", description = "CAP.DSTRD, 0..15")
  int dstrd() default 0;

  @AttributeDefinition(name = "Number of namespaces", description = "Identify Controller NN")
  int maxNamespaceId() default 1024;

  @AttributeDefinition(name = "Ready delay (ms)", description = "Time from CC.EN=1 to CSTS.RDY=1")
  long readyDelayMillis() default 0;

  @AttributeDefinition(name = "Inline execution",
      description = "Execute commands on the thread that writes the doorbell (benchmarks)")
  boolean inlineExecution() default false;

  @AttributeDefinition(name = "Command log capacity",
      description = "Commands kept in the command log, for tests and debugging; 0 = off (the"
          + " default: the log keeps an object per command)")
  int commandLogCapacity() default 0;
}
