package io.jnvme.transport.vfio.internal;

import io.jnvme.transport.vfio.VfioException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IOMMU mappings of one container, counted: mapping the same run again (a persistent block
 * re-attached after servicing is a new object over the same memory) only counts, and the run is
 * unmapped when its last user lets go. A run that overlaps a mapped run any other way is refused:
 * the kernel would refuse it too (EEXIST), and two virtual addresses behind one IOVA would let the
 * device and the CPU see different memory.
 */
final class IommuMappings {
  private static final Logger LOG = LoggerFactory.getLogger(IommuMappings.class);

  /**
   * Consecutive device addresses {@code [iova, iova + length)} backed by the process's memory at
   * {@code vaddr}.
   */
  record Run(long iova, long length, long vaddr) {
    long end() {
      return iova + length;
    }

    @Override
    public String toString() {
      return "iova=0x" + Long.toHexString(iova) + " length=" + length + " vaddr=0x"
          + Long.toHexString(vaddr);
    }
  }

  /** The IOMMU itself: VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA. */
  interface Iommu {
    void map(Run run) throws VfioException;

    void unmap(Run run) throws VfioException;
  }

  private static final class Entry {
    final Run run;
    int references = 1;

    Entry(Run run) {
      this.run = run;
    }
  }

  private final PciAddress address;
  private final Iommu iommu;
  /** Mapped runs by IOVA, unsigned order. */
  private final TreeMap<Long, Entry> entries = new TreeMap<>(Long::compareUnsigned);
  private boolean closed;

  IommuMappings(PciAddress address, Iommu iommu) {
    this.address = address;
    this.iommu = iommu;
  }

  /** Maps (or counts) every run; all or nothing. */
  synchronized void acquire(List<Run> runs, String what) throws VfioException {
    if (closed) {
      throw VfioErrors.dma(address, what + ": the device is closed");
    }
    List<Run> done = new ArrayList<>();
    try {
      for (Run r : runs) {
        Entry e = entries.get(r.iova());
        if (e != null && e.run.equals(r)) {
          e.references++;
          done.add(r);
          continue;
        }
        Entry other = overlapping(r);
        if (other != null) {
          throw VfioErrors.dma(address, what + ": device addresses " + r + " overlap the mapped "
              + other.run + (other.run.iova() == r.iova() && other.run.length() == r.length()
                  ? " from another virtual address" : ""));
        }
        iommu.map(r);
        entries.put(r.iova(), new Entry(r));
        done.add(r);
      }
    } catch (VfioException e) {
      release(done);
      throw e;
    }
  }

  /** Lets go of runs {@link #acquire}d before; unmaps those nobody else holds. */
  synchronized void release(List<Run> runs) {
    for (Run r : runs) {
      Entry e = entries.get(r.iova());
      if (e == null || !e.run.equals(r) || --e.references > 0) {
        continue;
      }
      entries.remove(r.iova());
      if (closed) {
        continue;
      }
      try {
        iommu.unmap(r);
      } catch (VfioException x) {
        LOG.warn("device={} unmap {}: {}", address, r, x.getMessage());
      }
    }
  }

  /**
   * The container is closing: its mappings go with it, so later releases must not touch the
   * IOMMU (its fd may already be another file).
   */
  synchronized void close() {
    closed = true;
    entries.clear();
  }

  /** Number of distinct mapped runs. */
  synchronized int size() {
    return entries.size();
  }

  /** References to the run at {@code iova}, 0 if none. */
  synchronized int references(long iova) {
    Entry e = entries.get(iova);
    return e == null ? 0 : e.references;
  }

  private Entry overlapping(Run r) {
    Map.Entry<Long, Entry> below = entries.floorEntry(r.end() - 1);
    if (below == null) {
      return null;
    }
    Entry e = below.getValue();
    return Long.compareUnsigned(e.run.end(), r.iova()) > 0 ? e : null;
  }
}
