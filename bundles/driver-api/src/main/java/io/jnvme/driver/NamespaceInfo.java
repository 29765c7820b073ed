package io.jnvme.driver;

/**
 * A namespace as the driver knows it.
 *
 * @param nsid namespace id
 * @param blockCount NSZE, in logical blocks
 * @param blockSize logical block size in bytes
 * @param metadataSize metadata bytes per block of the format in use
 * @param maxTransferBlocks largest transfer, in blocks, that one command may carry
 * @param state {@code active} or {@code removed}
 * @param owner who holds the open handle, or null
 * @param nguid NGUID in hex, or null if not reported
 * @param eui64 EUI-64 in hex, or null if not reported
 * @param uuid namespace UUID, or null if not reported
 */
public record NamespaceInfo(
    int nsid,
    long blockCount,
    int blockSize,
    int metadataSize,
    int maxTransferBlocks,
    String state,
    String owner,
    String nguid,
    String eui64,
    String uuid) {

  /** This information with another state and owner. */
  public NamespaceInfo with(String newState, String newOwner) {
    return new NamespaceInfo(nsid, blockCount, blockSize, metadataSize, maxTransferBlocks,
        newState, newOwner, nguid, eui64, uuid);
  }

  /** Size in bytes. */
  public long sizeBytes() {
    return blockCount * blockSize;
  }
}
