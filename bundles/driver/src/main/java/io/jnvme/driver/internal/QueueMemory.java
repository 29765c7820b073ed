package io.jnvme.driver.internal;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaException;
import io.jnvme.device.DmaMapping;
import io.jnvme.device.MemoryBlock;
import io.jnvme.spec.Cqe;
import io.jnvme.spec.Sqe;
import java.util.ArrayList;
import java.util.List;

/**
 * The DMA memory of one queue pair: submission ring, completion ring and the PRP list pages of
 * its slots, each made reachable by the device. Rings are created physically contiguous (PC = 1),
 * so a ring larger than a page needs contiguous device addresses; when the allocator cannot give
 * that, the ring is clamped to one page rather than failing.
 */
final class QueueMemory implements AutoCloseable {
  private final MemoryBlock sq;
  private final MemoryBlock cq;
  private final MemoryBlock prp;
  private final List<DmaMapping> mappings;
  private final int entries;
  private final int prpPagesPerSlot;

  private QueueMemory(MemoryBlock sq, MemoryBlock cq, MemoryBlock prp, List<DmaMapping> mappings,
      int entries, int prpPagesPerSlot) {
    this.sq = sq;
    this.cq = cq;
    this.prp = prp;
    this.mappings = mappings;
    this.entries = entries;
    this.prpPagesPerSlot = prpPagesPerSlot;
  }

  /**
   * Allocates and maps the memory of a queue pair.
   *
   * @param entries ring entries (SQ and CQ have the same size)
   * @param prpPagesPerSlot PRP list pages per command slot
   */
  static QueueMemory allocate(Device device, DmaClient dma, String tag, int entries,
      int prpPagesPerSlot) throws DmaException, DeviceException {
    List<MemoryBlock> blocks = new ArrayList<>();
    List<DmaMapping> mappings = new ArrayList<>();
    boolean ok = false;
    try {
      int n = entries;
      MemoryBlock sq = dma.allocate(bytes((long) n * Sqe.SIZE), tag + "-sq");
      blocks.add(sq);
      MemoryBlock cq = dma.allocate(bytes((long) n * Cqe.SIZE), tag + "-cq");
      blocks.add(cq);
      if (!sq.contiguous() || !cq.contiguous()) {
        // WORKAROUND: allocators without contiguous pages (locked memory on a fragmented host)
        // still work with one-page rings, which need no contiguity.
        n = Math.min(n, MemoryBlock.PAGE_SIZE / Sqe.SIZE);
      }
      MemoryBlock prp = dma.allocate(
          (long) (n - 1) * prpPagesPerSlot * MemoryBlock.PAGE_SIZE, tag + "-prp");
      blocks.add(prp);
      for (MemoryBlock b : blocks) {
        mappings.add(device.mapDma(b));
      }
      ok = true;
      return new QueueMemory(sq, cq, prp, mappings, n, prpPagesPerSlot);
    } finally {
      if (!ok) {
        mappings.forEach(DmaMapping::close);
        blocks.forEach(MemoryBlock::close);
      }
    }
  }

  /**
   * Re-attaches queue memory a previous driver left (servicing): the blocks are the same pages,
   * made reachable by the device again.
   */
  static QueueMemory attach(Device device, MemoryBlock sq, MemoryBlock cq, MemoryBlock prp,
      int entries, int prpPagesPerSlot) throws DeviceException {
    List<DmaMapping> mappings = new ArrayList<>();
    try {
      mappings.add(device.mapDma(sq));
      mappings.add(device.mapDma(cq));
      mappings.add(device.mapDma(prp));
    } catch (DeviceException e) {
      mappings.forEach(DmaMapping::close);
      throw e;
    }
    return new QueueMemory(sq, cq, prp, mappings, entries, prpPagesPerSlot);
  }

  private static long bytes(long n) {
    return (n + MemoryBlock.PAGE_SIZE - 1) & ~(long) (MemoryBlock.PAGE_SIZE - 1);
  }

  MemoryBlock sq() {
    return sq;
  }

  MemoryBlock cq() {
    return cq;
  }

  MemoryBlock prp() {
    return prp;
  }

  int entries() {
    return entries;
  }

  int prpPagesPerSlot() {
    return prpPagesPerSlot;
  }

  /** Unmaps and frees. Only after the device stopped using the queue (deleted or reset). */
  @Override
  public void close() {
    mappings.forEach(DmaMapping::close);
    sq.close();
    cq.close();
    prp.close();
  }
}
