package io.jnvme.dma.pagepool.internal;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.device.DmaException;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PagePoolConfig;
import java.util.List;
import java.util.Objects;

/**
 * The page pool as a {@link java.util.ServiceLoader} provider (JPMS or plain class path), the
 * counterpart of the OSGi component. It opens the pool on first use, not when the service loader
 * instantiates it: merely looking for allocators creates no file. The configuration comes from
 * system properties ({@link PagePoolConfig#fromSystemProperties()}). If the pool cannot be opened,
 * the clients' {@code allocate} and {@code attachPending} throw the reason.
 */
public final class PagePoolProvider implements DmaClientProvider {
  private final PagePoolConfig config;
  private PagePool pool;

  /** A provider configured from system properties when first used. */
  public PagePoolProvider() {
    this.config = null;
  }

  /** A provider for the pool {@code config} describes, opened when first used. */
  public PagePoolProvider(PagePoolConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /**
   * The pool, opened now if it is not open yet.
   *
   * @throws io.jnvme.dma.pagepool.PagePoolException if it cannot be opened
   */
  public synchronized PagePool pool() throws DmaException {
    if (pool == null || !pool.isOpen()) {
      pool = PagePool.open(config != null ? config : PagePoolConfig.fromSystemProperties());
    }
    return pool;
  }

  @Override
  public String name() {
    return PagePool.NAME;
  }

  @Override
  public boolean persistent() {
    return true;
  }

  @Override
  public DmaClient clientFor(String deviceId) {
    Objects.requireNonNull(deviceId, "deviceId");
    return new DmaClient() {
      private DmaClient client;

      private synchronized DmaClient client() throws DmaException {
        if (client == null) {
          client = pool().clientFor(deviceId);
        }
        return client;
      }

      @Override
      public String allocatorName() {
        return PagePool.NAME;
      }

      @Override
      public boolean persistent() {
        return true;
      }

      @Override
      public MemoryBlock allocate(long size, String tag) throws DmaException {
        return client().allocate(size, tag);
      }

      @Override
      public List<MemoryBlock> attachPending() throws DmaException {
        return client().attachPending();
      }
    };
  }

  @Override
  public synchronized String toString() {
    return "PagePoolProvider[" + (pool != null ? pool : config != null ? config.file()
        : "system properties, not opened") + "]";
  }
}
