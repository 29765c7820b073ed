package io.jnvme.driver.savestate;

/**
 * A namespace the driver knew at save time, open or restored-but-unclaimed.
 *
 * @param nsid namespace id
 * @param identify the 4096-byte Identify Namespace data
 * @param owner who held it, or null if nobody had claimed it since the last restore (format
 *     version 1 has no owner: decodes as null)
 */
public record NamespaceState(int nsid, byte[] identify, String owner) {}
