package io.jnvme.dma.lockmem.internal;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.device.DmaException;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.lockmem.internal.jna.JnaNativeMemory;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ephemeral DMA memory from anonymous {@code mmap} plus {@code mlock}: page aligned, zeroed,
 * resident, and gone when the JVM exits ({@link #persistent()} is false).
 *
 * <p>Each block is one private anonymous mapping ({@code PROT_READ|PROT_WRITE,
 * MAP_PRIVATE|MAP_ANONYMOUS}). The kernel hands out anonymous pages zero filled (mmap(2)), so a
 * block needs no clearing; {@code mlock} then faults every page in, so the device never meets a
 * page that is not there yet. Device addresses are the virtual addresses (identity IOVA): VFIO maps
 * exactly those into the IOMMU, and the emulated transport resolves them through
 * {@link io.jnvme.device.Device#mapDma}.
 *
 * <p>Locked memory counts against RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK. When the
 * lock is refused the allocation fails with a {@link DmaException} that names the limit, its
 * current value and the size asked for.
 *
 * <p>Plain Java: {@code new LockedMemoryProvider()} works without OSGi, and the JPMS module
 * {@code provides io.jnvme.device.DmaClientProvider} with this class. In OSGi a DS component
 * registers it.
 */
public final class LockedMemoryProvider implements DmaClientProvider {
  /** The allocator name, the value of the {@value DmaClientProvider#NAME} property. */
  public static final String NAME = "lockmem";

  /** The largest block: a ByteBuffer is indexed by int. */
  static final long MAX_BLOCK_SIZE = Integer.MAX_VALUE & ~(long) (MemoryBlock.PAGE_SIZE - 1);

  private static final Logger LOG = LoggerFactory.getLogger(LockedMemoryProvider.class);

  /** Frees blocks that were dropped without close. One per provider, a daemon thread. */
  private final Cleaner cleaner = Cleaner.create();
  private final NativeMemory nativeMemory;
  private final AtomicLong lockedBytes = new AtomicLong();
  private volatile boolean withdrawn;

  /** An allocator over the C library (JNA). For {@link java.util.ServiceLoader} and DS. */
  public LockedMemoryProvider() {
    this(JnaNativeMemory.load());
  }

  /** An allocator over the given native calls (tests inject failures here). */
  public LockedMemoryProvider(NativeMemory nativeMemory) {
    this.nativeMemory = Objects.requireNonNull(nativeMemory, "nativeMemory");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public DmaClient clientFor(String deviceId) {
    return new Client(Objects.requireNonNull(deviceId, "deviceId"));
  }

  /** Bytes currently locked by blocks of this provider. */
  public long lockedBytes() {
    return lockedBytes.get();
  }

  /**
   * Stops new allocations (the OSGi service is going away). Blocks handed out stay valid until
   * their owners close them: a queue may still be using them.
   */
  public void withdraw() {
    withdrawn = true;
  }

  /** Allocation on behalf of one device. */
  private final class Client implements DmaClient {
    private final String deviceId;

    Client(String deviceId) {
      this.deviceId = deviceId;
    }

    @Override
    public String allocatorName() {
      return NAME;
    }

    @Override
    public boolean persistent() {
      return false;
    }

    @Override
    public MemoryBlock allocate(long size, String tag) throws DmaException {
      String what = "allocator=" + NAME + " device=" + deviceId + " tag=" + tag + " size=" + size;
      if (withdrawn) {
        throw new DmaException(what + ": the allocator was withdrawn");
      }
      // Whole system pages: mlock and munmap work on pages, and a page must never be shared
      // between two blocks (closing one would unlock the other's memory).
      long unit = Math.max(MemoryBlock.PAGE_SIZE, nativeMemory.pageSize());
      if (size <= 0 || size > MAX_BLOCK_SIZE) {
        throw new DmaException(what + ": size must be in 1.." + MAX_BLOCK_SIZE);
      }
      long length = (size + unit - 1) / unit * unit;
      if (length > MAX_BLOCK_SIZE) {
        throw new DmaException(what + ": size rounded to " + length + " exceeds " + MAX_BLOCK_SIZE);
      }

      long address;
      try {
        address = nativeMemory.mmapAnonymous(length);
      } catch (NativeCallException e) {
        throw new DmaException(what + ": " + e.getMessage(), e);
      }
      try {
        nativeMemory.mlock(address, length);
      } catch (NativeCallException e) {
        unmapQuietly(address, length);
        throw new DmaException(mlockFailure(what, length, e), e);
      }
      lockedBytes.addAndGet(length);
      LockedBlock.Release release =
          new LockedBlock.Release(nativeMemory, address, length, tag, lockedBytes);
      // SAFETY: the mapping is live and length bytes long; LockedBlock ties its release to this
      // buffer's reachability.
      ByteBuffer root = nativeMemory.view(address, (int) length);
      LockedBlock block = new LockedBlock(root, address, length, tag, release, cleaner);
      LOG.debug("allocated {}", block);
      return block;
    }

    @Override
    public List<MemoryBlock> attachPending() {
      return List.of();
    }

    private void unmapQuietly(long address, long length) {
      try {
        nativeMemory.munmap(address, length);
      } catch (NativeCallException e) {
        LOG.warn("allocator={} munmap after failed mlock: {}", NAME, e.getMessage());
      }
    }

    private String mlockFailure(String what, long length, NativeCallException e) {
      StringBuilder m = new StringBuilder(what);
      m.append(": ").append(e.getMessage()).append(" locking ").append(length).append(" bytes; ");
      try {
        long[] limit = nativeMemory.memlockLimit();
        m.append("RLIMIT_MEMLOCK soft=").append(bytes(limit[0]))
            .append(" hard=").append(bytes(limit[1]));
      } catch (NativeCallException le) {
        m.append("RLIMIT_MEMLOCK unknown (").append(le.getMessage()).append(')');
      }
      m.append(", locked by this allocator=").append(lockedBytes.get()).append(" bytes");
      String vmLck = lockedByProcess();
      if (vmLck != null) {
        m.append(", by this process=").append(vmLck);
      }
      m.append(". Raise the limit (ulimit -l, prlimit --memlock, LimitMEMLOCK= in a systemd unit,"
          + " memlock in /etc/security/limits.conf) or grant CAP_IPC_LOCK");
      return m.toString();
    }
  }

  private static String bytes(long limit) {
    return limit == NativeMemory.UNLIMITED ? "unlimited" : limit + " bytes";
  }

  /** VmLck from /proc/self/status (e.g. {@code 64 kB}), or null where there is none. */
  private static String lockedByProcess() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmLck:")) {
          return line.substring("VmLck:".length()).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Only extra information for an error message.
    }
    return null;
  }

  @Override
  public String toString() {
    return "LockedMemoryProvider[locked=" + lockedBytes.get() + (withdrawn ? " withdrawn" : "")
        + "]";
  }
}
