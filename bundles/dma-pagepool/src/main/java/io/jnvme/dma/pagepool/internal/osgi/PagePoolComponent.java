package io.jnvme.dma.pagepool.internal.osgi;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PagePoolConfig;
import io.jnvme.dma.pagepool.PagePoolException;
import io.jnvme.dma.pagepool.PoolAllocation;
import io.jnvme.dma.pagepool.PoolReport;
import java.nio.file.Path;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Registers the page pool as a {@link DmaClientProvider} ({@code dma.name=pagepool},
 * {@code dma.persistent=true}, ranked 20, above lockmem) and as a {@link PagePool} (for the
 * manager's validation and clean-up), configured under the PID {@value #PID}; without a
 * configuration the defaults apply.
 *
 * <p>Activation opens the pool, so a pool that cannot be opened (bad configuration, file held by
 * another process, corrupt file) fails the component and no service is registered; SCR logs the
 * typed exception. Deactivation only {@linkplain PagePool#withdraw() withdraws} the pool: blocks a
 * queue still uses stay mapped and allocated, and the file stays locked until they are closed. A
 * new activation in the meantime (bundle restart, changed configuration) resumes the same pool,
 * provided size and base are unchanged.
 *
 * <p>Immediate: one pool lives as long as the bundle is active.
 */
@Component(
    immediate = true,
    configurationPid = PagePoolComponent.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL,
    service = {DmaClientProvider.class, PagePool.class},
    property = {
      DmaClientProvider.NAME + "=" + PagePool.NAME,
      DmaClientProvider.PERSISTENT + ":Boolean=true",
      "service.ranking:Integer=20"
    })
@Designate(ocd = PagePoolComponent.Config.class)
public final class PagePoolComponent implements PagePool {
  /** The configuration PID. */
  public static final String PID = "io.jnvme.dma.pagepool";

  /** The page pool's configuration. */
  @ObjectClassDefinition(
      name = "jnvme page pool",
      description = "Persistent DMA memory in one shared file; allocations survive the driver's"
          + " replacement and a JVM restart.")
  public @interface Config {
    @AttributeDefinition(name = "Directory",
        description = "Where the pool file lives: a tmpfs (/dev/shm) or a hugetlbfs mount.")
    String directory() default "/dev/shm";

    @AttributeDefinition(name = "Pool name",
        description = "The pool file is <directory>/jnvme-pool-<name>.")
    String pool_name() default PagePoolConfig.DEFAULT_POOL_NAME;

    @AttributeDefinition(name = "Size",
        description = "The pool file's size in bytes, a multiple of 4096 (of the huge page size"
            + " on hugetlbfs). Must match an existing file.")
    long size() default PagePoolConfig.DEFAULT_SIZE;

    @AttributeDefinition(name = "Device-address base",
        description = "The device address of the file's first byte, a multiple of 4096. Must"
            + " match an existing file.")
    long device_address_base() default PagePoolConfig.DEFAULT_DEVICE_ADDRESS_BASE;

    @AttributeDefinition(name = "Maximum allocations",
        description = "Slots in the slot table of a new pool file (1 to 65535).")
    int max_allocations() default PagePoolConfig.DEFAULT_MAX_ALLOCATIONS;
  }

  private final PagePool pool;

  /**
   * Opens the configured pool.
   *
   * @throws PagePoolException if it cannot be opened; the component then stays unsatisfied
   */
  @Activate
  public PagePoolComponent(Config config) throws PagePoolException {
    this.pool = PagePool.open(PagePoolConfig.of(Path.of(config.directory()), config.pool_name(),
        config.size(), config.device_address_base(), config.max_allocations()));
  }

  @Deactivate
  void deactivate() {
    // Never unmaps: a queue may still use blocks of this pool.
    pool.withdraw();
  }

  @Override
  public String name() {
    return pool.name();
  }

  @Override
  public boolean persistent() {
    return pool.persistent();
  }

  @Override
  public DmaClient clientFor(String deviceId) {
    return pool.clientFor(deviceId);
  }

  @Override
  public PagePoolConfig config() {
    return pool.config();
  }

  @Override
  public long dataOffset() {
    return pool.dataOffset();
  }

  @Override
  public PoolReport validate() throws PagePoolException {
    return pool.validate();
  }

  @Override
  public List<PoolAllocation> freePending(String deviceId) throws PagePoolException {
    return pool.freePending(deviceId);
  }

  @Override
  public List<PoolAllocation> freeAllPending() throws PagePoolException {
    return pool.freeAllPending();
  }

  /** Same as deactivation: a service user cannot pull the memory from under the queues. */
  @Override
  public void withdraw() {
    pool.withdraw();
  }

  @Override
  public boolean isOpen() {
    return pool.isOpen();
  }

  /** Withdraws rather than closes: the pool belongs to the component, not to a service user. */
  @Override
  public void close() {
    pool.withdraw();
  }

  @Override
  public String toString() {
    return "PagePoolComponent[" + pool + "]";
  }
}
