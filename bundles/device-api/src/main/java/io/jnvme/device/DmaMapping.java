package io.jnvme.device;

import org.osgi.annotation.versioning.ProviderType;

/** A {@link MemoryBlock} made reachable by one device; closing it revokes the access. */
@ProviderType
public interface DmaMapping extends AutoCloseable {
  /** The mapped block. */
  MemoryBlock block();

  @Override
  void close();
}
