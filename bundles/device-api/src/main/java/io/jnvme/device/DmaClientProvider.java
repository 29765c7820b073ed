package io.jnvme.device;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An allocator bundle's service: hands out one {@link DmaClient} per device. Registered with the
 * properties {@value #NAME} (e.g. {@code lockmem}) and {@value #PERSISTENT}.
 */
@ProviderType
public interface DmaClientProvider {
  /** Service property: the allocator's short name. */
  String NAME = "dma.name";
  /** Service property: Boolean, whether blocks survive servicing. */
  String PERSISTENT = "dma.persistent";

  /** The allocator's short name, as in {@value #NAME}. */
  String name();

  /** Whether the blocks this allocator gives survive servicing. */
  boolean persistent();

  /**
   * A client for allocations on behalf of device {@code deviceId}. Persistent allocators tag
   * every block with this id so that a later driver can re-attach them.
   */
  DmaClient clientFor(String deviceId);
}
