package io.jnvme.transport.vfio.internal;

import io.jnvme.transport.vfio.VfioException;
import io.jnvme.transport.vfio.VfioOptions;
import io.jnvme.transport.vfio.VfioOptions.IommuMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks, before any system call, that a device can be opened through VFIO, by reading sysfs,
 * {@code /dev/vfio} and the process's credentials, and turns each missing precondition into a
 * {@link VfioException} with its documented message. In order: the device exists, is an NVMe
 * controller, has an IOMMU group, is bound to vfio-pci, the VFIO nodes exist and may be opened,
 * the group is viable, RLIMIT_MEMLOCK is high enough, the device has MSI-X.
 *
 * <p>The kernel has the last word: the same problems found only by the system calls (a group the
 * kernel says is not viable, an open refused by an ACL or a security module, MSI-X that VFIO does
 * not offer) produce the same problems in {@link VfioDevice}.
 */
public final class VfioPreconditions {
  /** The driver a device must be bound to. */
  static final String VFIO_PCI = "vfio-pci";
  /** Drivers that may hold other devices of a viable group (the kernel's DMA-owner-safe ones). */
  static final Set<String> GROUP_SAFE_DRIVERS = Set.of(VFIO_PCI, "pci-stub", "pcieport");
  /** PCI class code of an NVM Express I/O controller: mass storage, NVM, NVMe. */
  static final String NVME_CLASS = "0x010802";

  /**
   * What the checks found.
   *
   * @param group the IOMMU group number as sysfs names it
   * @param noIommu true if the group is a no-IOMMU group ({@code /dev/vfio/noiommu-N})
   * @param containerNode {@code /dev/vfio/vfio}
   * @param groupNode {@code /dev/vfio/N} or {@code /dev/vfio/noiommu-N}
   * @param msixTableSize MSI-X table size from the configuration space, -1 if it was unreadable
   * @param ids {@code vendor:device}, for the log
   */
  public record Preflight(PciAddress address, String group, boolean noIommu, Path containerNode,
      Path groupNode, int msixTableSize, String ids) {}

  private final VfioOptions options;
  private final Credentials credentials;

  public VfioPreconditions(VfioOptions options, Credentials credentials) {
    this.options = options;
    this.credentials = credentials;
  }

  /** Runs every check for the device at {@code address}. */
  public Preflight check(PciAddress a) throws VfioException {
    Path dir = options.sysfsRoot().resolve("bus/pci/devices").resolve(a.text());
    if (!Files.isDirectory(dir)) {
      throw VfioErrors.noSuchDevice(a, dir);
    }
    String cls = readTrimmed(dir.resolve("class"));
    if (cls != null && !cls.toLowerCase(Locale.ROOT).startsWith(NVME_CLASS)) {
      throw VfioErrors.notNvme(a, cls);
    }
    Path groupLink = dir.resolve("iommu_group");
    String group = linkName(groupLink);
    if (group == null) {
      throw VfioErrors.noIommuGroup(a, groupLink);
    }
    String driver = linkName(dir.resolve("driver"));
    if (!VFIO_PCI.equals(driver)) {
      throw VfioErrors.notBound(a, driver);
    }

    Path vfioDir = options.devRoot().resolve("vfio");
    Path container = vfioDir.resolve("vfio");
    if (!Files.exists(container)) {
      throw VfioErrors.noVfioModule(a, container);
    }
    Path node = vfioDir.resolve(group);
    Path noIommuNode = vfioDir.resolve("noiommu-" + group);
    boolean noIommu = !Files.exists(node) && Files.exists(noIommuNode);
    if (noIommu) {
      node = noIommuNode;
    } else if (!Files.exists(node)) {
      throw VfioErrors.noGroupNode(a, node);
    }
    if (noIommu && options.iommu() == IommuMode.TYPE1) {
      throw VfioErrors.unsupported(a, "IOMMU group " + group + " is a no-IOMMU group (" + node
          + "), but option iommu=type1 asks for an IOMMU; turn the IOMMU on or use iommu=auto");
    }
    if (!noIommu && options.iommu() == IommuMode.NO_IOMMU) {
      throw VfioErrors.unsupported(a, "option iommu=noiommu asks for no-IOMMU mode, but IOMMU"
          + " group " + group + " has an IOMMU (" + node + "); use iommu=auto");
    }
    checkAccess(a, container);
    checkAccess(a, node);
    if (noIommu && !credentials.hasCapability(Credentials.CAP_SYS_RAWIO)) {
      throw VfioErrors.noRawio(a);
    }

    List<String> offenders = groupOffenders(a, group);
    if (!offenders.isEmpty()) {
      throw VfioErrors.notViable(a, group, String.join(", ", offenders));
    }

    long limit = credentials.memlockLimit();
    if (options.memlock() > 0 && !credentials.hasCapability(Credentials.CAP_IPC_LOCK)
        && limit != Credentials.UNLIMITED && limit < options.memlock()) {
      throw VfioErrors.memlockTooLow(a, limit, options.memlock());
    }

    int msix = PciConfig.UNKNOWN;
    try {
      msix = PciConfig.msixTableSize(Files.readAllBytes(dir.resolve("config")));
    } catch (IOException e) {
      // Unreadable: VFIO_DEVICE_GET_IRQ_INFO decides.
    }
    if (msix == 0) {
      throw VfioErrors.noMsix(a, "the device has no MSI-X capability");
    }
    String ids = readTrimmed(dir.resolve("vendor")) + ":" + readTrimmed(dir.resolve("device"));
    return new Preflight(a, group, noIommu, container, node, msix, ids);
  }

  private void checkAccess(PciAddress a, Path node) throws VfioException {
    if (credentials.mayReadWrite(node)) {
      return;
    }
    int ownerUid = -1;
    int ownerGid = -1;
    int mode = 0;
    try {
      ownerUid = (Integer) Files.getAttribute(node, "unix:uid");
      ownerGid = (Integer) Files.getAttribute(node, "unix:gid");
      mode = modeBits(Files.readAttributes(node, PosixFileAttributes.class).permissions());
    } catch (IOException | RuntimeException e) {
      // The message then shows -1 and 0000: the node could not even be inspected.
    }
    throw VfioErrors.noPermission(a, node, ownerUid, ownerGid, mode, credentials.uid(),
        credentials.gids());
  }

  /** Permission bits as the octal mode {@code ls} and {@code chmod} use. */
  static int modeBits(Set<PosixFilePermission> permissions) {
    int m = 0;
    for (PosixFilePermission p : permissions) {
      m |= 1 << (8 - p.ordinal());
    }
    return m;
  }

  /** The other devices of the group bound to a driver that makes the group not viable. */
  private List<String> groupOffenders(PciAddress a, String group) {
    Path devices = options.sysfsRoot().resolve("kernel/iommu_groups").resolve(group)
        .resolve("devices");
    List<String> offenders = new ArrayList<>();
    if (!Files.isDirectory(devices)) {
      return offenders;
    }
    Set<String> names = new TreeSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(devices)) {
      for (Path p : ds) {
        names.add(p.getFileName().toString());
      }
    } catch (IOException e) {
      return offenders;
    }
    for (String other : names) {
      if (other.equals(a.text())) {
        continue;
      }
      String d = linkName(options.sysfsRoot().resolve("bus/pci/devices").resolve(other)
          .resolve("driver"));
      if (d != null && !GROUP_SAFE_DRIVERS.contains(d)) {
        offenders.add(other + " is bound to " + d);
      }
    }
    return offenders;
  }

  /** The last name of a symbolic link's target (sysfs links), or null if there is no link. */
  static String linkName(Path link) {
    if (!Files.isSymbolicLink(link)) {
      return null;
    }
    try {
      Path name = Files.readSymbolicLink(link).getFileName();
      return name == null ? null : name.toString();
    } catch (IOException e) {
      return null;
    }
  }

  private static String readTrimmed(Path p) {
    try {
      return new String(Files.readAllBytes(p), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return null;
    }
  }
}
