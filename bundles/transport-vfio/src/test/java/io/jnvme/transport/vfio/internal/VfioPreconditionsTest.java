package io.jnvme.transport.vfio.internal;

import static io.jnvme.transport.vfio.internal.FakeSystem.ADDRESS;
import static io.jnvme.transport.vfio.internal.FakeSystem.GROUP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.transport.vfio.VfioException;
import io.jnvme.transport.vfio.VfioOptions;
import io.jnvme.transport.vfio.VfioOptions.IommuMode;
import io.jnvme.transport.vfio.VfioProblem;
import io.jnvme.transport.vfio.VfioTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every missing precondition, on a fake sysfs tree (this machine has no IOMMU-bound device), gives
 * its problem and exactly the message docs/VFIO.md documents, before any system call is made.
 */
class VfioPreconditionsTest {
  @TempDir
  Path root;
  FakeSystem fs;

  /** No system call may be made while a precondition is missing. */
  private static final Supplier<VfioSys> NO_SYSCALLS = () -> {
    throw new AssertionError("a system call was about to be made");
  };

  @BeforeEach
  void setUp() {
    fs = new FakeSystem(root);
  }

  private VfioException refused(VfioOptions options, Credentials credentials) {
    return assertThrows(VfioException.class,
        () -> VfioDevice.open(ADDRESS, options, NO_SYSCALLS, credentials));
  }

  private VfioException refused(Credentials credentials) {
    return refused(fs.options(), credentials);
  }

  private static void assertProblem(VfioProblem problem, String message, VfioException e) {
    assertEquals(message, e.getMessage());
    assertEquals(problem, e.problem());
  }

  @Test
  void aHealthyTreePassesEveryCheck() throws Exception {
    VfioPreconditions.Preflight p = new VfioPreconditions(fs.options(), FakeCredentials.user())
        .check(PciAddress.parse(ADDRESS));
    assertEquals(GROUP, p.group());
    assertFalse(p.noIommu());
    assertEquals(fs.dev.resolve("vfio/vfio"), p.containerNode());
    assertEquals(fs.dev.resolve("vfio/12"), p.groupNode());
    assertEquals(FakeSystem.MSIX, p.msixTableSize());
    assertEquals("0x144d:0xa808", p.ids());
  }

  @Test
  void noIommuGroup() throws Exception {
    Files.delete(fs.deviceDir(ADDRESS).resolve("iommu_group"));
    assertProblem(VfioProblem.NO_IOMMU_GROUP, "vfio 0000:01:00.0: no IOMMU group: " + fs.sys
        + "/bus/pci/devices/0000:01:00.0/iommu_group is missing; turn the IOMMU on (VT-d or"
        + " AMD-Vi in the firmware, intel_iommu=on on the kernel command line) or load vfio with"
        + " enable_unsafe_noiommu_mode=1 and bind the device to vfio-pci (see docs/VFIO.md)",
        refused(FakeCredentials.user()));
  }

  @Test
  void boundToNvmeInsteadOfVfioPci() throws Exception {
    fs.bind(ADDRESS, "nvme");
    assertProblem(VfioProblem.NOT_BOUND_TO_VFIO_PCI, "vfio 0000:01:00.0: bound to nvme, not"
        + " vfio-pci; bind it with: driverctl set-override 0000:01:00.0 vfio-pci (see"
        + " docs/VFIO.md)", refused(FakeCredentials.user()));
  }

  @Test
  void boundToNoDriver() throws Exception {
    fs.bind(ADDRESS, null);
    assertProblem(VfioProblem.NOT_BOUND_TO_VFIO_PCI, "vfio 0000:01:00.0: bound to no driver, not"
        + " vfio-pci; bind it with: driverctl set-override 0000:01:00.0 vfio-pci (see"
        + " docs/VFIO.md)", refused(FakeCredentials.user()));
  }

  @Test
  void noPermissionOnTheGroupNode() throws Exception {
    Path node = fs.dev.resolve("vfio/12");
    FakeSystem.node(node, "rw-------");
    int owner = (Integer) Files.getAttribute(node, "unix:uid");
    int group = (Integer) Files.getAttribute(node, "unix:gid");
    assertProblem(VfioProblem.NO_PERMISSION, "vfio 0000:01:00.0: no permission to open " + node
        + " read-write (owner " + owner + ":" + group + ", mode 0600; this process: uid 1000,"
        + " groups [1000]); run as root or give the user access to " + node + " (chown, or a"
        + " udev rule; see docs/VFIO.md)", refused(FakeCredentials.user()));
  }

  @Test
  void noPermissionOnTheContainerNode() throws Exception {
    Path node = fs.dev.resolve("vfio/vfio");
    FakeSystem.node(node, "rw-r--r--");
    VfioException e = refused(FakeCredentials.user());
    assertEquals(VfioProblem.NO_PERMISSION, e.problem());
    assertTrue(e.getMessage().startsWith("vfio 0000:01:00.0: no permission to open " + node
        + " read-write (owner "), e.getMessage());
    assertTrue(e.getMessage().contains(", mode 0644; this process: uid 1000, groups [1000])"),
        e.getMessage());
  }

  @Test
  void groupAccessThroughGroupMembershipIsEnough() throws Exception {
    Path node = fs.dev.resolve("vfio/12");
    FakeSystem.node(node, "rw-rw----");
    int group = (Integer) Files.getAttribute(node, "unix:gid");
    FakeCredentials member = new FakeCredentials(1000, java.util.Set.of(1000, group),
        java.util.Set.of(), Credentials.UNLIMITED);
    new VfioPreconditions(fs.options(), member).check(PciAddress.parse(ADDRESS));
  }

  @Test
  void memlockTooLow() {
    assertProblem(VfioProblem.MEMLOCK_TOO_LOW, "vfio 0000:01:00.0: RLIMIT_MEMLOCK is 65536 bytes,"
        + " less than the 67108864 bytes of DMA memory to pin (option memlock); raise it (ulimit"
        + " -l, prlimit --memlock, LimitMEMLOCK= in a systemd unit, memlock in"
        + " /etc/security/limits.conf) or grant CAP_IPC_LOCK (see docs/VFIO.md)",
        refused(FakeCredentials.user().withMemlock(65536)));
  }

  @Test
  void memlockIsNotCheckedWithCapIpcLockOrWhenTheOptionIsZero() throws Exception {
    PciAddress a = PciAddress.parse(ADDRESS);
    new VfioPreconditions(fs.options(), FakeCredentials.user().withMemlock(65536)
        .withCapabilities(Credentials.CAP_IPC_LOCK)).check(a);
    new VfioPreconditions(fs.options().withMemlock(0), FakeCredentials.user().withMemlock(0))
        .check(a);
    new VfioPreconditions(fs.options().withMemlock(1 << 20), FakeCredentials.user()
        .withMemlock(1 << 20)).check(a);
  }

  @Test
  void noMsix() throws Exception {
    Files.write(fs.deviceDir(ADDRESS).resolve("config"), FakeSystem.config(false));
    assertProblem(VfioProblem.NO_MSIX, "vfio 0000:01:00.0: no MSI-X: the device has no MSI-X"
        + " capability, and jnvme takes interrupts only through MSI-X",
        refused(FakeCredentials.user()));
  }

  @Test
  void aConfigurationSpaceCutAt64BytesLeavesMsixToVfio() throws Exception {
    Files.write(fs.deviceDir(ADDRESS).resolve("config"),
        Arrays.copyOf(FakeSystem.config(false), 64));
    VfioPreconditions.Preflight p = new VfioPreconditions(fs.options(), FakeCredentials.user())
        .check(PciAddress.parse(ADDRESS));
    assertEquals(-1, p.msixTableSize());
  }

  @Test
  void noSuchDevice() {
    VfioException e = assertThrows(VfioException.class,
        () -> VfioDevice.open("0000:02:00.0", fs.options(), NO_SYSCALLS, FakeCredentials.user()));
    assertProblem(VfioProblem.NO_SUCH_DEVICE, "vfio 0000:02:00.0: no such PCI device: " + fs.sys
        + "/bus/pci/devices/0000:02:00.0 does not exist (lspci -D lists the addresses)", e);
  }

  @Test
  void notAnNvmeController() throws Exception {
    Files.writeString(fs.deviceDir(ADDRESS).resolve("class"), "0x020000\n");
    assertProblem(VfioProblem.NOT_NVME, "vfio 0000:01:00.0: not an NVMe controller: PCI class"
        + " 0x020000, NVMe is 0x010802", refused(FakeCredentials.user()));
  }

  @Test
  void invalidAddresses() {
    for (String bad : List.of("", "nvme0", "0000:01:20.0", "0000:01:00.8", "1:2:3:4.0")) {
      VfioException e = assertThrows(VfioException.class,
          () -> VfioDevice.open(bad, fs.options(), NO_SYSCALLS, FakeCredentials.user()), bad);
      assertProblem(VfioProblem.INVALID_ADDRESS, "vfio: \"" + bad + "\" is not a PCI address;"
          + " expected DDDD:BB:DD.F such as 0000:01:00.0", e);
      assertNull(e.address());
    }
  }

  @Test
  void vfioModuleNotLoaded() throws Exception {
    Files.delete(fs.dev.resolve("vfio/vfio"));
    assertProblem(VfioProblem.VFIO_UNAVAILABLE, "vfio 0000:01:00.0: " + fs.dev.resolve("vfio/vfio")
        + " does not exist; load VFIO: modprobe vfio-pci (see docs/VFIO.md)",
        refused(FakeCredentials.user()));
  }

  @Test
  void groupNodeMissing() throws Exception {
    Files.delete(fs.dev.resolve("vfio/12"));
    assertProblem(VfioProblem.VFIO_UNAVAILABLE, "vfio 0000:01:00.0: " + fs.dev.resolve("vfio/12")
        + " does not exist although the device is bound to vfio-pci; check udev and the kernel"
        + " log (see docs/VFIO.md)", refused(FakeCredentials.user()));
  }

  @Test
  void groupNotViable() throws Exception {
    fs.addGroupMember("0000:01:00.1", "nvme");
    fs.addGroupMember("0000:00:1c.0", "pcieport");
    fs.addGroupMember("0000:01:00.2", null);
    assertProblem(VfioProblem.GROUP_NOT_VIABLE, "vfio 0000:01:00.0: IOMMU group 12 is not viable:"
        + " every device in it must be bound to vfio-pci or to no driver, but 0000:01:00.1 is"
        + " bound to nvme; bind those to vfio-pci too (see docs/VFIO.md)",
        refused(FakeCredentials.user()));
  }

  @Test
  void noIommuModeNeedsCapSysRawio() throws Exception {
    Files.move(fs.dev.resolve("vfio/12"), fs.dev.resolve("vfio/noiommu-12"));
    assertProblem(VfioProblem.NO_PERMISSION, "vfio 0000:01:00.0: no-IOMMU mode needs"
        + " CAP_SYS_RAWIO, which this process lacks; run as root (see docs/VFIO.md)",
        refused(FakeCredentials.user()));
    VfioPreconditions.Preflight p = new VfioPreconditions(fs.options(), FakeCredentials.user()
        .withCapabilities(Credentials.CAP_SYS_RAWIO)).check(PciAddress.parse(ADDRESS));
    assertTrue(p.noIommu());
    assertEquals(fs.dev.resolve("vfio/noiommu-12"), p.groupNode());
  }

  @Test
  void theIommuOptionMustFitTheGroup() throws Exception {
    VfioException e = refused(fs.options().withIommu(IommuMode.NO_IOMMU), FakeCredentials.user());
    assertProblem(VfioProblem.UNSUPPORTED, "vfio 0000:01:00.0: option iommu=noiommu asks for"
        + " no-IOMMU mode, but IOMMU group 12 has an IOMMU (" + fs.dev.resolve("vfio/12")
        + "); use iommu=auto", e);
    Files.move(fs.dev.resolve("vfio/12"), fs.dev.resolve("vfio/noiommu-12"));
    e = refused(fs.options().withIommu(IommuMode.TYPE1), FakeCredentials.user());
    assertProblem(VfioProblem.UNSUPPORTED, "vfio 0000:01:00.0: IOMMU group 12 is a no-IOMMU group"
        + " (" + fs.dev.resolve("vfio/noiommu-12") + "), but option iommu=type1 asks for an"
        + " IOMMU; turn the IOMMU on or use iommu=auto", e);
  }

  @Test
  void thePublicApiRunsTheSameChecksWithTheProcessCredentials() throws Exception {
    Files.delete(fs.deviceDir(ADDRESS).resolve("iommu_group"));
    VfioException e = assertThrows(VfioException.class,
        () -> VfioTransport.open(ADDRESS, fs.options()));
    assertEquals(VfioProblem.NO_IOMMU_GROUP, e.problem());
    assertEquals(ADDRESS, e.address());
    e = assertThrows(VfioException.class, () -> VfioTransport.open(Map.of("traddr", "01:00.0",
        "sysfs", fs.sys.toString(), "dev", fs.dev.toString(), "proc", fs.proc.toString())));
    assertEquals(VfioProblem.NO_IOMMU_GROUP, e.problem());
  }

  @Test
  void onThisMachineAnAddressThatCannotExistIsNoSuchDevice() {
    VfioException e = assertThrows(VfioException.class,
        () -> VfioTransport.open("ffff:ff:1f.7", VfioOptions.defaults()));
    assertEquals(VfioProblem.NO_SUCH_DEVICE, e.problem());
    assertEquals("vfio ffff:ff:1f.7: no such PCI device: /sys/bus/pci/devices/ffff:ff:1f.7 does"
        + " not exist (lspci -D lists the addresses)", e.getMessage());
  }
}
