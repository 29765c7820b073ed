package io.jnvme.manager.naming;

import java.util.Objects;

/**
 * What the naming model needs from a controller's first Identify Controller: enough to find or
 * create its subsystem and to decide how its namespaces are named.
 *
 * @param subnqn SUBNQN as reported; may be empty
 * @param vid PCI Vendor ID
 * @param ssvid PCI Subsystem Vendor ID
 * @param serialNumber SN as reported (the 20-byte field; padding may be trimmed)
 * @param modelNumber MN as reported (the 40-byte field; padding may be trimmed)
 * @param cntlid Controller ID
 * @param cmic Controller Multi-Path I/O and Namespace Sharing Capabilities
 * @param oacs Optional Admin Command Support
 * @param ctratt Controller Attributes
 * @param discovery the controller was connected as a discovery controller
 * @param ignoreSubnqn the device is known to report SUBNQNs that are not unique, so a synthetic
 *     NQN is used instead
 * @since 1.0
 */
public record ControllerIdentity(
    String subnqn,
    int vid,
    int ssvid,
    String serialNumber,
    String modelNumber,
    int cntlid,
    int cmic,
    int oacs,
    int ctratt,
    boolean discovery,
    boolean ignoreSubnqn) {

  /** The well-known discovery subsystem NQN; it never identifies one shared subsystem. */
  public static final String DISCOVERY_NQN = "nqn.2014-08.org.nvmexpress.discovery";
  /** CMIC bit 1: the subsystem may contain more than one controller. */
  public static final int CMIC_MULTI_CONTROLLER = 1 << 1;
  /** CMIC bit 3: Asymmetric Namespace Access reporting. */
  public static final int CMIC_ANA = 1 << 3;
  /** OACS bit 3: Namespace Management and Attachment. */
  public static final int OACS_NS_MANAGEMENT = 1 << 3;
  /** CTRATT bit 2: NVM Sets. */
  public static final int CTRATT_NVM_SETS = 1 << 2;

  // The kernel's NQN buffer size; a SUBNQN that leaves no room for the terminator is not used.
  private static final int NQN_SIZE = 223;
  // The kernel's synthetic prefix really has a dot between year and month (NVMe uses a dash).
  private static final String SYNTHETIC_PREFIX = "nqn.2014.08.org.nvmexpress:";
  private static final int SN_BYTES = 20;
  private static final int MN_BYTES = 40;

  public ControllerIdentity {
    subnqn = subnqn == null ? "" : subnqn;
    Objects.requireNonNull(serialNumber, "serialNumber");
    Objects.requireNonNull(modelNumber, "modelNumber");
  }

  /** An I/O controller reporting {@code subnqn}, with made-up VID, SN and MN. For tests. */
  public static ControllerIdentity of(String subnqn, int cntlid, int cmic) {
    return new ControllerIdentity(subnqn, 0x1b36, 0x1af4, "SN" + cntlid, "jnvme test", cntlid,
        cmic, 0, 0, false, false);
  }

  /**
   * The NQN that identifies this controller's subsystem: the SUBNQN if it is non-empty and
   * fits, otherwise one built from VID, SSVID and the raw SN and MN fields.
   */
  public String subsystemNqn() {
    if (!ignoreSubnqn && !subnqn.isEmpty() && subnqn.length() < NQN_SIZE) {
      return subnqn;
    }
    return String.format("%s%04x%04x", SYNTHETIC_PREFIX, vid & 0xffff, ssvid & 0xffff)
        + rawField(serialNumber, SN_BYTES) + rawField(modelNumber, MN_BYTES);
  }

  /** Whether CMIC says the subsystem may hold more than one controller. */
  public boolean multiController() {
    return (cmic & CMIC_MULTI_CONTROLLER) != 0;
  }

  /** This controller with a different CNTLID. */
  public ControllerIdentity withCntlid(int v) {
    return new ControllerIdentity(subnqn, vid, ssvid, serialNumber, modelNumber, v, cmic, oacs,
        ctratt, discovery, ignoreSubnqn);
  }

  /** This controller with a different OACS. */
  public ControllerIdentity withOacs(int v) {
    return new ControllerIdentity(subnqn, vid, ssvid, serialNumber, modelNumber, cntlid, cmic, v,
        ctratt, discovery, ignoreSubnqn);
  }

  /** This controller, marked as connected to a discovery subsystem. */
  public ControllerIdentity asDiscovery() {
    return new ControllerIdentity(subnqn, vid, ssvid, serialNumber, modelNumber, cntlid, cmic,
        oacs, ctratt, true, ignoreSubnqn);
  }

  // Identify strings are space padded to a fixed width; the synthetic NQN copies the raw bytes.
  private static String rawField(String value, int width) {
    String v = value.length() > width ? value.substring(0, width) : value;
    return v + " ".repeat(width - v.length());
  }
}
