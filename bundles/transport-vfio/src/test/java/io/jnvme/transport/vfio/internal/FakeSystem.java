package io.jnvme.transport.vfio.internal;

import io.jnvme.transport.vfio.VfioOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A sysfs, /dev and /proc tree in a temporary directory, laid out as the kernel lays out the real
 * ones, with one NVMe controller set up for VFIO; tests then take away one precondition.
 */
final class FakeSystem {
  static final String ADDRESS = "0000:01:00.0";
  static final String GROUP = "12";
  /** The MSI-X table size the fake configuration space advertises. */
  static final int MSIX = 33;

  final Path sys;
  final Path dev;
  final Path proc;

  FakeSystem(Path root) {
    this.sys = root.resolve("sys");
    this.dev = root.resolve("dev");
    this.proc = root.resolve("proc");
    try {
      Path device = deviceDir(ADDRESS);
      Files.createDirectories(device);
      Files.writeString(device.resolve("class"), "0x010802\n");
      Files.writeString(device.resolve("vendor"), "0x144d\n");
      Files.writeString(device.resolve("device"), "0xa808\n");
      Files.write(device.resolve("config"), config(true));
      Files.createDirectories(sys.resolve("bus/pci/drivers/vfio-pci"));
      Files.createDirectories(sys.resolve("bus/pci/drivers/nvme"));
      bind(ADDRESS, "vfio-pci");
      Path group = sys.resolve("kernel/iommu_groups").resolve(GROUP);
      Files.createDirectories(group.resolve("devices"));
      Files.createSymbolicLink(device.resolve("iommu_group"),
          Path.of("../../../../kernel/iommu_groups/" + GROUP));
      Files.createSymbolicLink(group.resolve("devices").resolve(ADDRESS),
          Path.of("../../../../bus/pci/devices/" + ADDRESS));
      Files.createDirectories(dev.resolve("vfio"));
      node(dev.resolve("vfio/vfio"), "rw-rw-rw-");
      node(dev.resolve("vfio").resolve(GROUP), "rw-rw-rw-");
      Files.createDirectories(proc.resolve("self"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Options pointing at this tree. */
  VfioOptions options() {
    return VfioOptions.defaults().withRoots(sys, dev, proc);
  }

  Path deviceDir(String address) {
    return sys.resolve("bus/pci/devices").resolve(address);
  }

  /** Points the device's driver link at {@code driver}, or removes it for null. */
  void bind(String address, String driver) throws IOException {
    Path link = deviceDir(address).resolve("driver");
    Files.deleteIfExists(link);
    if (driver != null) {
      Files.createSymbolicLink(link, Path.of("../../drivers/" + driver));
    }
  }

  /** Adds another function to the device's IOMMU group, bound to {@code driver}. */
  void addGroupMember(String address, String driver) throws IOException {
    Files.createDirectories(deviceDir(address));
    Files.writeString(deviceDir(address).resolve("class"), "0x010802\n");
    Files.createSymbolicLink(sys.resolve("kernel/iommu_groups").resolve(GROUP).resolve("devices")
        .resolve(address), Path.of("../../../../bus/pci/devices/" + address));
    bind(address, driver);
  }

  static void node(Path p, String mode) throws IOException {
    Files.deleteIfExists(p);
    Files.createFile(p);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
  }

  /**
   * A 256-byte type 0 configuration space of an NVMe controller with a capability list: power
   * management at 0x40, MSI at 0x50, PCI Express at 0x70 and, if {@code msix}, MSI-X at 0xb0 with
   * a table of {@link #MSIX} entries.
   */
  static byte[] config(boolean msix) {
    byte[] c = new byte[256];
    c[0x00] = 0x4d; // vendor 0x144d
    c[0x01] = 0x14;
    c[0x06] = 0x10; // status: capability list
    c[0x09] = 0x02; // prog-if NVMe
    c[0x0a] = 0x08; // subclass NVM
    c[0x0b] = 0x01; // class mass storage
    c[0x34] = 0x40;
    cap(c, 0x40, 0x01, 0x50);
    cap(c, 0x50, 0x05, 0x70);
    cap(c, 0x70, 0x10, msix ? 0xb0 : 0);
    if (msix) {
      cap(c, 0xb0, 0x11, 0);
      c[0xb2] = (byte) (MSIX - 1); // Message Control: table size - 1
    }
    return c;
  }

  private static void cap(byte[] c, int at, int id, int next) {
    c[at] = (byte) id;
    c[at + 1] = (byte) next;
  }
}
