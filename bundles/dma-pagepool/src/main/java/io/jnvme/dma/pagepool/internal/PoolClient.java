package io.jnvme.dma.pagepool.internal;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaException;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import java.util.List;

/**
 * A page pool's client for one device. Holds no resources: dropping it frees nothing, and its
 * blocks stay allocated. A newer client for the same device supersedes it; it then refuses
 * allocation and re-attachment.
 */
final class PoolClient implements DmaClient {
  private final PoolFile pool;
  private final String deviceId;
  private final long generation;

  PoolClient(PoolFile pool, String deviceId, long generation) {
    this.pool = pool;
    this.deviceId = deviceId;
    this.generation = generation;
  }

  @Override
  public String allocatorName() {
    return PagePool.NAME;
  }

  @Override
  public boolean persistent() {
    return true;
  }

  /**
   * Allocates a zeroed run of whole pages, tagged with this client's device and {@code tag}.
   *
   * @throws io.jnvme.dma.pagepool.PoolFullException if no free run is large enough
   * @throws io.jnvme.dma.pagepool.PoolClosedException if the pool is closed or withdrawn, or this
   *     client was superseded
   * @throws DmaException if the size is not in 1 to 1 GiB or the tag is longer than 64 bytes
   */
  @Override
  public MemoryBlock allocate(long size, String tag) throws DmaException {
    return pool.allocate(this, size, tag);
  }

  /**
   * Re-attaches every allocation of this device that this client does not hold yet: those found
   * in the file when the pool was opened, those of earlier clients for the device, and those whose
   * block objects were dropped. Earlier block objects for them are detached.
   *
   * @throws io.jnvme.dma.pagepool.PoolClosedException if the pool is closed or withdrawn, or this
   *     client was superseded
   */
  @Override
  public List<MemoryBlock> attachPending() throws DmaException {
    return pool.attachPending(this);
  }

  String deviceId() {
    return deviceId;
  }

  long generation() {
    return generation;
  }

  @Override
  public String toString() {
    return "PoolClient[device=" + deviceId + " generation=" + generation + " pool="
        + pool.fileName() + "]";
  }
}
