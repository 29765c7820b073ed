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
 *
 * <p>Addresses already mapped can be mapped again only by a block with exactly the same runs: a
 * persistent block re-attached after servicing is a new object over the same memory, and the
 * queues living in it must stay reachable while the old driver's mappings are closed. The newest
 * block serves accesses. Any other overlap is refused.
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

  /** The blocks mapped at one run of addresses, oldest first; immutable, replaced on change. */
  private record Slot(long start, long length, List<Run> owners) {
    Run current() {
      return owners.get(owners.size() - 1);
    }

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
  private final ConcurrentSkipListMap<Long, Slot> slots =
      new ConcurrentSkipListMap<>(Long::compareUnsigned);

  private final Map<MemoryBlock, Registration> registrations = new IdentityHashMap<>();

  /** Incremented whenever memory becomes unreachable, so cached resolutions know to look again. */
  private volatile long generation;

  /**
   * Makes {@code block} reachable. Mapping a block twice is counted; it stays reachable until
   * every mapping is closed.
   *
   * @throws DeviceException if a page is not page aligned or partly overlaps other mappings
   */
  synchronized DmaMapping map(MemoryBlock block) throws DeviceException {
    Registration existing = registrations.get(block);
    if (existing != null) {
      existing.references++;
      return new Mapping(block);
    }
    List<Run> runs = runsOf(block);
    List<Run> sorted = new ArrayList<>(runs);
    sorted.sort((a, b) -> Long.compareUnsigned(a.start(), b.start()));
    for (int i = 1; i < sorted.size(); i++) {
      if (Long.compareUnsigned(sorted.get(i - 1).end(), sorted.get(i).start()) > 0) {
        throw new DeviceException("block=" + block + ": two of its pages have the same device address");
      }
    }
    for (Run r : runs) {
      check(r, block);
    }
    for (Run r : runs) {
      Slot s = slots.get(r.start());
      List<Run> owners = new ArrayList<>(s == null ? List.of() : s.owners());
      owners.add(r);
      slots.put(r.start(), new Slot(r.start(), r.length(), List.copyOf(owners)));
    }
    registrations.put(block, new Registration(runs));
    return new Mapping(block);
  }

  private static List<Run> runsOf(MemoryBlock block) throws DeviceException {
    List<Run> runs = new ArrayList<>();
    try {
      int pages = block.pageCount();
      if (pages <= 0) {
        throw new DeviceException("block=" + block + ": no pages to map");
      }
      long runStart = block.deviceAddress(0);
      int first = 0;
      for (int p = 1; p <= pages; p++) {
        boolean breaks = p == pages
            || block.deviceAddress(p) != runStart + ((long) (p - first) << MemoryBlock.PAGE_SHIFT);
        if (breaks) {
          runs.add(new Run(runStart, (long) (p - first) << MemoryBlock.PAGE_SHIFT, block,
              (long) first << MemoryBlock.PAGE_SHIFT));
          if (p < pages) {
            runStart = block.deviceAddress(p);
            first = p;
          }
        }
      }
    } catch (RuntimeException e) {
      throw new DeviceException("block=" + block + ": cannot read its device addresses", e);
    }
    return runs;
  }

  /** Refuses a misaligned run, or one that partly overlaps a mapped run or another run of its block. */
  private void check(Run r, MemoryBlock block) throws DeviceException {
    if ((r.start() & Constants.PAGE_MASK) != 0) {
      throw new DeviceException("block=" + block + " address=0x" + Long.toHexString(r.start())
          + ": device address not page aligned");
    }
    if (Long.compareUnsigned(r.end() - 1, r.start()) < 0) {
      throw new DeviceException("block=" + block + ": device addresses wrap around");
    }
    Map.Entry<Long, Slot> below = slots.floorEntry(r.end() - 1);
    if (below == null || Long.compareUnsigned(below.getValue().end(), r.start()) <= 0) {
      return;
    }
    Slot s = below.getValue();
    boolean same = s.start() == r.start() && s.length() == r.length();
    if (!same || s.owners().stream().anyMatch(o -> o.block() == block)) {
      throw new DeviceException("block=" + block + " address=0x" + Long.toHexString(r.start())
          + ": overlaps the mapping of " + s.current().block());
    }
  }

  private synchronized void unmap(MemoryBlock block) {
    Registration reg = registrations.get(block);
    if (reg == null || --reg.references > 0) {
      return;
    }
    registrations.remove(block);
    for (Run r : reg.runs) {
      Slot s = slots.get(r.start());
      if (s == null) {
        continue;
      }
      List<Run> owners = new ArrayList<>(s.owners());
      owners.removeIf(o -> o.block() == block);
      if (owners.isEmpty()) {
        slots.remove(r.start());
      } else {
        slots.put(r.start(), new Slot(s.start(), s.length(), List.copyOf(owners)));
      }
    }
    generation++;
  }

  /** Forgets every mapping (the controller is closing). */
  synchronized void clear() {
    registrations.clear();
    slots.clear();
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
    Map.Entry<Long, Slot> e = slots.floorEntry(address);
    if (e == null) {
      return null;
    }
    Slot s = e.getValue();
    long off = address - s.start();
    if (Long.compareUnsigned(off, s.length()) >= 0
        || Long.compareUnsigned(length, s.length() - off) > 0) {
      return null;
    }
    return s.current();
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
