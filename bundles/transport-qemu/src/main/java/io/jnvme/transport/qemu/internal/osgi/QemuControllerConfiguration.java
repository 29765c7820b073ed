package io.jnvme.transport.qemu.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of one QEMU controller (factory PID {@value QemuControllerComponent#PID}). */
@ObjectClassDefinition(
    id = QemuControllerComponent.PID,
    name = "jnvme QEMU NVMe controller",
    description = "QEMU's NVMe controller driven over qtest, registered as a Device with"
        + " transport.type=qemu, and its guest RAM as a persistent DmaClientProvider. One factory"
        + " configuration per controller. Without any configuration the component reads the"
        + " system properties jnvme.qemu.* and does nothing unless jnvme.qemu.mode is set.")
public @interface QemuControllerConfiguration {
  @AttributeDefinition(name = "Mode",
      description = "start: launch QEMU; attach: attach to a running instance (run directory)",
      options = {
          @org.osgi.service.metatype.annotations.Option(label = "start", value = "start"),
          @org.osgi.service.metatype.annotations.Option(label = "attach", value = "attach")})
  String mode() default "start";

  @AttributeDefinition(name = "Instance name",
      description = "Names the RAM file, the device id and the default run directory")
  String name() default "qemu0";

  @AttributeDefinition(name = "Controller name",
      description = "The controller.name the Device is registered with")
  String controller_name() default "nvme1";

  @AttributeDefinition(name = "QEMU binary", description = "A path or a name on PATH")
  String binary() default "qemu-system-x86_64";

  @AttributeDefinition(name = "RAM size",
      description = "Guest RAM (and DMA pool) size, e.g. 256M; 16M to 1G")
  String ram_size() default "256M";

  @AttributeDefinition(name = "Namespaces",
      description = "Comma-separated nsid:SIZE[:LBA] (temporary image), nsid:file=PATH:SIZE[:LBA]"
          + " or nsid:null:SIZE[:LBA], each optionally :detached")
  String namespaces() default "1:256M";

  @AttributeDefinition(name = "Subsystem",
      description = "An nvme-subsys with a management controller, for namespace attach/detach")
  boolean subsystem() default true;

  @AttributeDefinition(name = "I/O queue pairs", description = "max_ioqpairs, 1..64")
  int io_queue_pairs() default 4;

  @AttributeDefinition(name = "MDTS", description = "-1 for QEMU's default (7)")
  int mdts() default -1;

  @AttributeDefinition(name = "Run directory",
      description = "Sockets and descriptor; empty for <java.io.tmpdir>/jnvme-qemu/<name>",
      required = false)
  String run_directory() default "";

  @AttributeDefinition(name = "DMA provider ranking",
      description = "service.ranking of the guest RAM page pool as DmaClientProvider: above"
          + " lockmem (10) and pagepool (20), so the driver allocates from guest RAM")
  int dma_ranking() default 30;

  @AttributeDefinition(name = "Keep QEMU running",
      description = "In start mode, leave QEMU running when the component stops, for a later"
          + " attach (stop it with QemuInstance.stop(runDirectory))")
  boolean keep_running() default false;
}
