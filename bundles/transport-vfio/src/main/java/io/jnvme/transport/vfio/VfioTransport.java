package io.jnvme.transport.vfio;

import io.jnvme.device.Device;
import io.jnvme.transport.vfio.internal.VfioDevice;
import java.util.Map;

/**
 * Opens real PCIe NVMe controllers through Linux VFIO (vfio-pci). What {@code nvme:connect
 * --transport vfio --traddr 0000:01:00.0} and a {@value #PID} configuration call.
 *
 * <p>Before any system call the device is checked in sysfs (it exists, is an NVMe controller, has
 * an IOMMU group, is bound to vfio-pci, the group's node can be opened, its group is viable, the
 * memlock limit is high enough, it has MSI-X); each missing precondition is a
 * {@link VfioException} whose {@link VfioProblem} and message say what to change. The setup guide
 * is {@code docs/VFIO.md}.
 *
 * <p>Closing the returned device releases its file descriptors, and on mainline kernels vfio-pci
 * then resets the function: keepalive across a JVM restart is not possible with mainline VFIO.
 * Inside one JVM the device stays open as long as its owner keeps it, so a driver bundle update
 * keeps the controller running.
 *
 * @since 1.0
 */
public final class VfioTransport {
  /** The transport's name, the {@code transport.type} service property of its devices. */
  public static final String TRANSPORT = "vfio";
  /** The factory configuration PID of the DS component that registers configured devices. */
  public static final String PID = "io.jnvme.transport.vfio";

  private VfioTransport() {}

  /**
   * Opens the device at {@code address}.
   *
   * @param address a PCI address, {@code 0000:01:00.0} (the domain may be left out)
   * @throws VfioException with the problem and what to do about it
   */
  public static Device open(String address, VfioOptions options) throws VfioException {
    return VfioDevice.open(address, options);
  }

  /**
   * Opens the device that string options describe, as {@code nvme:connect} passes them: the
   * address under {@code traddr} (or {@code address}), the rest as {@link VfioOptions#fromMap}.
   *
   * @throws VfioException with the problem and what to do about it
   * @throws IllegalArgumentException if the address is missing or an option is unknown or bad
   */
  public static Device open(Map<String, String> options) throws VfioException {
    String address = options.get("traddr");
    if (address == null) {
      address = options.get("address");
    }
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException(
          "vfio: the PCI address is required: --traddr 0000:01:00.0 (or address=0000:01:00.0)");
    }
    return open(address, VfioOptions.fromMap(options));
  }
}
