package io.jnvme.transport.qemu.internal;

import io.jnvme.transport.qemu.QemuConfig;
import io.jnvme.transport.qemu.QemuNamespace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * QEMU's argv for a configuration (QEMU.md §2), with the reason for each part:
 *
 * <ul>
 *   <li>{@code -accel tcg -S}: Debian's QEMU has no qtest accelerator; TCG with the CPU stopped
 *       for good is the same thing minus {@code clock_step}, which the NVMe model does not need.
 *       Without {@code -S} SeaBIOS would boot and take the controller over. Never {@code cont}.
 *   <li>{@code memory-backend-file,share=on} on the page-pool file: guest RAM is a shared mapping
 *       of it, guest-physical address = file offset (q35, RAM below 2.75 GiB).
 *   <li>{@code -qtest unix:PATH,server=on,wait=off}: QEMU listens, so driver processes can come
 *       and go ({@code -qtest chardev:ID} works in 7.2 only with ID {@code qtest}).
 *   <li>{@code -nodefaults}: a bare q35 bus; the controllers sit at fixed slots 4 and 5.
 *   <li>{@code -qtest-log none}: otherwise every request is logged to stderr.
 *   <li>controllers of one subsystem must share a serial number in QEMU 7.2.
 * </ul>
 */
public final class CommandLine {
  /** PCI slot 4 function 0: the controller the driver uses. */
  public static final int PRIMARY_DEVFN = 4 << 3;
  /** PCI slot 5 function 0: the management controller. */
  public static final int MANAGEMENT_DEVFN = 5 << 3;
  static final String SUBSYSTEM_ID = "jnvme-subsys";

  private CommandLine() {}

  /** The serial number of the instance's controllers (at most 20 characters). */
  public static String serial(QemuConfig c) {
    String s = "jnvme-" + c.name();
    return s.length() > 20 ? s.substring(0, 20) : s;
  }

  /**
   * The argv.
   *
   * @param images each namespace's image file (absent for null namespaces)
   */
  public static List<String> build(QemuConfig c, String binary, Path qtest, Path qmp,
      Map<Integer, Path> images) {
    List<String> a = new ArrayList<>();
    a.add(binary);
    a.addAll(List.of("-machine", "q35,memory-backend=mem", "-accel", "tcg", "-S"));
    a.addAll(List.of("-m", (c.ramSize() >> 20) + "M"));
    a.addAll(List.of("-object", "memory-backend-file,id=mem,size=" + c.ramSize() + ",mem-path="
        + escape(c.ramFile().toString()) + ",share=on"));
    a.addAll(List.of("-nodefaults", "-nographic", "-display", "none", "-qtest-log", "none"));
    a.addAll(List.of("-qmp", "unix:" + escape(qmp.toString()) + ",server=on,wait=off"));
    a.addAll(List.of("-qtest", "unix:" + escape(qtest.toString()) + ",server=on,wait=off"));
    String serial = serial(c);
    StringBuilder nvme = new StringBuilder("nvme,id=nvme0,serial=").append(serial)
        .append(",addr=0x").append(Integer.toHexString(PRIMARY_DEVFN >>> 3))
        .append(",max_ioqpairs=").append(c.ioQueuePairs())
        .append(",msix_qsize=").append(c.ioQueuePairs() + 1);
    if (c.mdts() >= 0) {
      nvme.append(",mdts=").append(c.mdts());
    }
    if (c.subsystem()) {
      a.addAll(List.of("-device", "nvme-subsys,id=" + SUBSYSTEM_ID + ",nqn=jnvme-" + c.name()));
      nvme.append(",subsys=").append(SUBSYSTEM_ID);
    }
    a.addAll(List.of("-device", nvme.toString()));
    if (c.subsystem()) {
      a.addAll(List.of("-device", "nvme,id=nvme1,serial=" + serial + ",addr=0x"
          + Integer.toHexString(MANAGEMENT_DEVFN >>> 3) + ",max_ioqpairs=1,msix_qsize=2,subsys="
          + SUBSYSTEM_ID));
    }
    for (QemuNamespace ns : c.namespaces()) {
      String drive = "ns" + ns.nsid();
      if (ns.kind() == QemuNamespace.Kind.NULL) {
        a.addAll(List.of("-drive", "file=null-co://,file.read-zeroes=on,file.size="
            + ns.sizeBytes() + ",if=none,id=" + drive + ",format=raw"));
      } else {
        a.addAll(List.of("-drive", "file=" + escape(images.get(ns.nsid()).toString())
            + ",if=none,id=" + drive + ",format=raw,discard=unmap"));
      }
      StringBuilder d = new StringBuilder("nvme-ns,drive=").append(drive)
          .append(",nsid=").append(ns.nsid()).append(",bus=nvme0")
          .append(",logical_block_size=").append(ns.lbaSize())
          .append(",physical_block_size=").append(ns.lbaSize());
      if (ns.detached()) {
        d.append(",detached=true");
      }
      a.addAll(List.of("-device", d.toString()));
    }
    a.addAll(c.extraArguments());
    return a;
  }

  /** QEMU option values escape a comma by doubling it. */
  static String escape(String v) {
    return v.replace(",", ",,");
  }
}
