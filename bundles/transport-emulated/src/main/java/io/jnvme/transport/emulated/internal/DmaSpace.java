package io.jnvme.transport.emulated.internal;

import io.jnvme.device.DeviceException;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The device's view of host memory: the blocks the host made reachable with
 * {@link io.jnvme.device.Device#mapDma}, indexed by device address. The pages of a block need not
 * be contiguous in device address space, so a block is entered as runs of consecutive pages. An
 * address outside every run is not host memory the device may touch.
 */
public final class DmaSpace {
  /**
   * Consecutive device addresses {@code [start, start + length)} backed by {@code block} from byte
   * {@code blockOffset}.
   */
  record Run(long start, long length, MemoryBlock block, long blockOffset) {
    long end() {
      return start + length;
    }
  }

  private static final class Registration {
    final List<Run> runs;
    int references = 1;

    Registration(List<Run> runs) {
      this.runs = runs;
    }
  }

  /** Device addresses are unsigned 64-bit values; order them that way. */
  private final ConcurrentSkipListMap<Long, Run> runs =
      new ConcurrentSkipListMap<>(Long::compareUnsigned);

  private final Map<MemoryBlock, Registration> registrations = new IdentityHashMap<>();

  /** Incremented whenever memory becomes unreachable, so cached resolutions know to look again. */
  private volatile long generation;

  /**
   * Makes {@code block} reachable. Mapping a block twice is counted; it stays reachable until
   * every mapping is closed.
   *
   * @throws DeviceException if a page is not page aligned or overlaps another block's addresses
   */
  synchronized DmaMapping map(MemoryBlock block) throws DeviceException {
    Registration existing = registrations.get(block);
    if (existing != null) {
      existing.references++;
      return new Mapping(block);
    }
    List<Run> added = new ArrayList<>();
    try {
      int pages = block.pageCount();
      if (pages <= 0) {
        throw new DeviceException("block=" + block + ": no pages to map");
      }
      long runStart = block.deviceAddress(0);
      int runFirstPage = 0;
      for (int p = 1; p <= pages; p++) {
        boolean breaks = p == pages
            || block.deviceAddress(p) != runStart + ((long) (p - runFirstPage) << MemoryBlock.PAGE_SHIFT);
        if (breaks) {
          Run r = new Run(runStart, (long) (p - runFirstPage) << MemoryBlock.PAGE_SHIFT, block,
              (long) runFirstPage << MemoryBlock.PAGE_SHIFT);
          insert(r, block);
          added.add(r);
          if (p < pages) {
            runStart = block.deviceAddress(p);
            runFirstPage = p;
          }
        }
      }
    } catch (DeviceException | RuntimeException e) {
      for (Run r : added) {
        runs.remove(r.start());
      }
      if (e instanceof DeviceException de) {
        throw de;
      }
      throw new DeviceException("block=" + block + ": cannot read its device addresses", e);
    }
    registrations.put(block, new Registration(added));
    return new Mapping(block);
  }

  private void insert(Run r, MemoryBlock block) throws DeviceException {
    if ((r.start() & Constants.PAGE_MASK) != 0) {
      throw new DeviceException("block=" + block + " address=0x" + Long.toHexString(r.start())
          + ": device address not page aligned");
    }
    if (Long.compareUnsigned(r.end() - 1, r.start()) < 0) {
      throw new DeviceException("block=" + block + ": device addresses wrap around");
    }
    Map.Entry<Long, Run> below = runs.floorEntry(r.end() - 1);
    if (below != null && Long.compareUnsigned(below.getValue().end(), r.start()) > 0) {
      throw new DeviceException("block=" + block + " address=0x" + Long.toHexString(r.start())
          + ": overlaps the mapping of " + below.getValue().block());
    }
    runs.put(r.start(), r);
  }

  private synchronized void unmap(MemoryBlock block) {
    Registration reg = registrations.get(block);
    if (reg == null || --reg.references > 0) {
      return;
    }
    registrations.remove(block);
    for (Run r : reg.runs) {
      runs.remove(r.start());
    }
    generation++;
  }

  /** Forgets every mapping (the controller is closing). */
  synchronized void clear() {
    registrations.clear();
    runs.clear();
    generation++;
  }

  /** See {@link #generation}. */
  long generation() {
    return generation;
  }

  /**
   * The run holding all of {@code [address, address + length)}, or null if any byte of it is not
   * mapped. A range within one page is always within one run.
   */
  Run find(long address, long length) {
    Map.Entry<Long, Run> e = runs.floorEntry(address);
    if (e == null) {
      return null;
    }
    Run r = e.getValue();
    long off = address - r.start();
    if (Long.compareUnsigned(off, r.length()) >= 0
        || Long.compareUnsigned(length, r.length() - off) > 0) {
      return null;
    }
    return r;
  }

  private final class Mapping implements DmaMapping {
    private final MemoryBlock block;
    private final AtomicBoolean closed = new AtomicBoolean();

    Mapping(MemoryBlock block) {
      this.block = block;
    }

    @Override
    public MemoryBlock block() {
      return block;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        unmap(block);
      }
    }

    @Override
    public String toString() {
      return "EmulatedDmaMapping[" + block + (closed.get() ? " closed" : "") + "]";
    }
  }
}
