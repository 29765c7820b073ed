package io.jnvme.dma.pagepool;

import java.util.Optional;

/**
 * Another user holds the pool file: another process, or another pool object in this JVM. A pool
 * file has one user at a time, enforced with a lock on the file that the operating system drops
 * when its holder exits, however it exits.
 *
 * @since 1.0
 */
public final class PoolLockedException extends PagePoolException {
  private static final long serialVersionUID = 1L;

  private final String holder;

  /**
   * @param file the pool file
   * @param holder who holds the file, as the holder recorded it, or null when unknown
   * @param message what was found
   */
  public PoolLockedException(String file, String holder, String message) {
    super(file, message + (holder == null ? "" : " holder=[" + holder + "]"), null);
    this.holder = holder;
  }

  /** The holder as it described itself in the pool file (process id, since when), if known. */
  public Optional<String> holder() {
    return Optional.ofNullable(holder);
  }
}
