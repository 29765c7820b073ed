package io.jnvme.dma.pagepool;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.dma.pagepool.internal.PoolFile;
import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Persistent DMA memory: a pool of 4 KiB pages in one shared file whose allocations outlive the
 * driver that made them, and the JVM. See the {@linkplain io.jnvme.dma.pagepool package
 * documentation} for device addresses, the file format and the life cycle.
 *
 * <p>As a {@link DmaClientProvider} it is named {@value #NAME} and {@link #persistent()} is true.
 * {@link #clientFor(String)} gives the device's client; creating a client for a device supersedes
 * the device's earlier client (a device has one driver at a time). The blocks of a superseded
 * client stay valid and can still be closed, but count as pending until the new client
 * {@linkplain DmaClient#attachPending() re-attaches} them.
 *
 * <p>Thread safe. Allocation, freeing and re-attaching take one lock per pool and write the slot
 * table; none of them is meant for a data path.
 *
 * @since 1.0
 */
@ProviderType
public interface PagePool extends DmaClientProvider, AutoCloseable {
  /** The allocator name, the value of the {@value DmaClientProvider#NAME} service property. */
  String NAME = "pagepool";

  /**
   * Opens the pool file, creating it if it does not exist, and locks it for this process.
   * Allocations recorded in the file are pending until a client re-attaches them; an allocation
   * that was being made when the previous user stopped is rolled back.
   *
   * <p>If this JVM (the same bundle revision) still holds the pool because it was
   * {@linkplain #withdraw() withdrawn} while blocks were in use, that pool is resumed and
   * returned, provided the configuration matches.
   *
   * @throws PoolConfigException if the configuration is invalid or does not match the file
   * @throws PoolLockedException if another process, or another open pool object in this JVM,
   *     holds the file
   * @throws PoolFormatException if the file is not a readable page pool
   * @throws PoolIoException if the file cannot be created, sized, locked or mapped
   */
  static PagePool open(PagePoolConfig config) throws PagePoolException {
    return PoolFile.open(config);
  }

  /**
   * Opens the pool file {@code file} of {@code size} bytes whose first byte has device address
   * {@code deviceAddressBase}, with the default slot table for a new file.
   *
   * @throws PagePoolException as {@link #open(PagePoolConfig)}
   */
  static PagePool open(Path file, long size, long deviceAddressBase) throws PagePoolException {
    return open(new PagePoolConfig(file, size, deviceAddressBase));
  }

  /** The configuration the pool was opened with (the slot count as the file has it). */
  PagePoolConfig config();

  /** The pool file. */
  default Path file() {
    return config().file();
  }

  /** The first allocatable byte of the file; the metadata lies before it. */
  long dataOffset();

  /**
   * The state of the pool: attached and pending allocations, free space, repairs made at open.
   *
   * @throws PoolClosedException if the pool is closed
   */
  PoolReport validate() throws PagePoolException;

  /**
   * Frees every pending allocation of device {@code deviceId} and returns what was freed. A
   * driver calls it when it must start cold although the pool holds blocks of its device (saved
   * state present but keepalive now off, or saved state that does not match the device): after
   * the controller is reset, nothing uses those blocks any more. Blocks of superseded clients are
   * freed too; closing those block objects later has no effect.
   *
   * <p>Through the {@link DmaClient} interface alone the same is done by closing every block
   * {@link DmaClient#attachPending()} returns.
   *
   * @throws PoolClosedException if the pool is closed
   */
  List<PoolAllocation> freePending(String deviceId) throws PagePoolException;

  /**
   * Frees every pending allocation of every device and returns what was freed.
   *
   * @throws PoolClosedException if the pool is closed
   */
  List<PoolAllocation> freeAllPending() throws PagePoolException;

  /**
   * Stops new allocations and re-attachment (the OSGi service is going away). Blocks handed out
   * stay valid and closing them still frees them; when the last attached block is closed the pool
   * closes itself. Until then the file stays locked and opening it again in this JVM resumes
   * this pool.
   */
  void withdraw();

  /** True until the pool is closed (explicitly, or after a withdrawal once its blocks are closed). */
  boolean isOpen();

  /**
   * Closes the pool now: stops allocations, and releases the file lock so that another process or
   * pool object may open the file. Blocks handed out keep their memory (it stays mapped until the
   * last reference to it is gone) and their contents, and stay allocated in the file: whoever
   * opens the file next finds them pending. Closing such a block has no effect any more.
   */
  @Override
  void close();
}
