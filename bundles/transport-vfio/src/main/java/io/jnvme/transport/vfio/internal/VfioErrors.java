package io.jnvme.transport.vfio.internal;

import io.jnvme.transport.vfio.VfioException;
import io.jnvme.transport.vfio.VfioProblem;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every message of the VFIO transport, in one place: docs/VFIO.md quotes them and the tests compare
 * them word for word. Each starts with {@code vfio <address>:} and ends with what to do.
 */
public final class VfioErrors {
  private VfioErrors() {}

  /** Where the setup guide is. */
  static final String GUIDE = "see docs/VFIO.md";
  static final String MEMLOCK_REMEDY = "raise it (ulimit -l, prlimit --memlock, LimitMEMLOCK= in a"
      + " systemd unit, memlock in /etc/security/limits.conf) or grant CAP_IPC_LOCK (" + GUIDE + ")";

  private static VfioException e(VfioProblem p, PciAddress a, String text) {
    return new VfioException(p, a.text(), "vfio " + a + ": " + text);
  }

  static VfioException invalidAddress(String given) {
    return new VfioException(VfioProblem.INVALID_ADDRESS, null, "vfio: \"" + given
        + "\" is not a PCI address; expected DDDD:BB:DD.F such as 0000:01:00.0");
  }

  static VfioException noSuchDevice(PciAddress a, Path dir) {
    return e(VfioProblem.NO_SUCH_DEVICE, a, "no such PCI device: " + dir
        + " does not exist (lspci -D lists the addresses)");
  }

  static VfioException notNvme(PciAddress a, String classCode) {
    return e(VfioProblem.NOT_NVME, a, "not an NVMe controller: PCI class " + classCode
        + ", NVMe is 0x010802");
  }

  static VfioException noIommuGroup(PciAddress a, Path link) {
    return e(VfioProblem.NO_IOMMU_GROUP, a, "no IOMMU group: " + link + " is missing; turn the"
        + " IOMMU on (VT-d or AMD-Vi in the firmware, intel_iommu=on on the kernel command line)"
        + " or load vfio with enable_unsafe_noiommu_mode=1 and bind the device to vfio-pci ("
        + GUIDE + ")");
  }

  static VfioException notBound(PciAddress a, String driver) {
    return e(VfioProblem.NOT_BOUND_TO_VFIO_PCI, a, "bound to "
        + (driver == null ? "no driver" : driver) + ", not vfio-pci; bind it with: driverctl"
        + " set-override " + a + " vfio-pci (" + GUIDE + ")");
  }

  static VfioException noVfioModule(PciAddress a, Path container) {
    return e(VfioProblem.VFIO_UNAVAILABLE, a, container + " does not exist; load VFIO: modprobe"
        + " vfio-pci (" + GUIDE + ")");
  }

  static VfioException noGroupNode(PciAddress a, Path node) {
    return e(VfioProblem.VFIO_UNAVAILABLE, a, node + " does not exist although the device is bound"
        + " to vfio-pci; check udev and the kernel log (" + GUIDE + ")");
  }

  /** Preflight: the node's mode does not let this process in. */
  static VfioException noPermission(PciAddress a, Path node, int ownerUid, int ownerGid,
      int mode, int uid, Set<Integer> gids) {
    return noPermission(a, node, "owner " + ownerUid + ":" + ownerGid + ", mode "
        + String.format(Locale.ROOT, "%04o", mode) + "; this process: uid " + uid + ", groups "
        + new TreeSet<>(gids));
  }

  /** The open itself was refused. */
  static VfioException noPermission(PciAddress a, Path node, SysCallException cause) {
    VfioException x = noPermission(a, node, SysCallException.errnoName(cause.errno()));
    x.initCause(cause);
    return x;
  }

  private static VfioException noPermission(PciAddress a, Path node, String detail) {
    return e(VfioProblem.NO_PERMISSION, a, "no permission to open " + node + " read-write ("
        + detail + "); run as root or give the user access to " + node + " (chown, or a udev"
        + " rule; " + GUIDE + ")");
  }

  static VfioException noRawio(PciAddress a) {
    return e(VfioProblem.NO_PERMISSION, a, "no-IOMMU mode needs CAP_SYS_RAWIO, which this"
        + " process lacks; run as root (" + GUIDE + ")");
  }

  static VfioException notViable(PciAddress a, String group, String offenders) {
    return e(VfioProblem.GROUP_NOT_VIABLE, a, "IOMMU group " + group + " is not viable: every"
        + " device in it must be bound to vfio-pci or to no driver, but " + offenders
        + "; bind those to vfio-pci too (" + GUIDE + ")");
  }

  /** Preflight: the limit is below what the options say will be pinned. */
  static VfioException memlockTooLow(PciAddress a, long limit, long needed) {
    return e(VfioProblem.MEMLOCK_TOO_LOW, a, "RLIMIT_MEMLOCK is " + limit + " bytes, less than the "
        + needed + " bytes of DMA memory to pin (option memlock); " + MEMLOCK_REMEDY);
  }

  /** VFIO_IOMMU_MAP_DMA failed with ENOMEM: the pinned pages would pass the limit. */
  static VfioException pinFailed(PciAddress a, long bytes, SysCallException cause, String limit) {
    return new VfioException(VfioProblem.MEMLOCK_TOO_LOW, a.text(), "vfio " + a + ": pinning "
        + bytes + " bytes for DMA failed (" + SysCallException.errnoName(cause.errno())
        + "): RLIMIT_MEMLOCK is " + limit + "; " + MEMLOCK_REMEDY, cause);
  }

  /** No MSI-X; {@code how} says who said so. */
  static VfioException noMsix(PciAddress a, String how) {
    return e(VfioProblem.NO_MSIX, a, "no MSI-X: " + how + ", and jnvme takes interrupts only"
        + " through MSI-X");
  }

  static VfioException busy(PciAddress a, SysCallException cause) {
    VfioException x = e(VfioProblem.DEVICE_BUSY, a, "busy: " + cause.call() + " returned "
        + SysCallException.errnoName(cause.errno()) + "; another process, or this one, has the"
        + " group or the device open already");
    x.initCause(cause);
    return x;
  }

  static VfioException unsupported(PciAddress a, String what) {
    return e(VfioProblem.UNSUPPORTED, a, what);
  }

  static VfioException dma(PciAddress a, String what) {
    return e(VfioProblem.DMA_MAPPING, a, what);
  }

  static VfioException systemCall(PciAddress a, SysCallException cause) {
    VfioException x = e(VfioProblem.SYSTEM_CALL, a, cause.getMessage());
    x.initCause(cause);
    return x;
  }

  static VfioException nativeUnavailable(PciAddress a, Throwable cause) {
    return new VfioException(VfioProblem.NATIVE_UNAVAILABLE, a.text(), "vfio " + a
        + ": cannot call the C library: " + cause.getMessage(), cause);
  }
}
