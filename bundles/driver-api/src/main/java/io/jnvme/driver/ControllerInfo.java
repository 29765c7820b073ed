package io.jnvme.driver;

/**
 * What Identify Controller said, decoded.
 *
 * @param vid PCI vendor id
 * @param ssvid PCI subsystem vendor id
 * @param serialNumber SN
 * @param modelNumber MN
 * @param firmwareRevision FR
 * @param cntlid controller id
 * @param version NVMe version, e.g. {@code 2.0.0}
 * @param mdts MDTS as reported (0 = no limit)
 * @param maxTransferBytes the transfer limit the driver applies (MDTS, its own PRP limit)
 * @param nn Number of Namespaces
 * @param oncs Optional NVM Command Support
 * @param oacs Optional Admin Command Support
 * @param oaes Optional Asynchronous Events Supported
 * @param aerl Asynchronous Event Request Limit (zero based)
 * @param vwc Volatile Write Cache
 * @param subnqn subsystem NQN
 */
public record ControllerInfo(
    int vid,
    int ssvid,
    String serialNumber,
    String modelNumber,
    String firmwareRevision,
    int cntlid,
    String version,
    int mdts,
    long maxTransferBytes,
    long nn,
    int oncs,
    int oacs,
    int oaes,
    int aerl,
    int vwc,
    String subnqn) {}
