package io.jnvme.driver.internal;

import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceInfo;
import io.jnvme.driver.ResizeListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.jnvme.spec.IdentifyNamespace;
import io.jnvme.spec.LbaFormat;
import java.util.HexFormat;

/**
 * One namespace as identified at open time. Once marked removed it stays removed, even if the NSID
 * comes back: a later open builds a fresh object, so a stale handle can never reach another disk.
 */
final class Namespace {
  private static final Logger LOG = LoggerFactory.getLogger(Namespace.class);
  final int nsid;
  final int lbads;
  final int blockSize;
  final int metadataSize;
  final int maxTransferBlocks;
  final String nguid;
  final String eui64;
  private volatile String uuid;
  private volatile long blockCount;
  /** The Identify Namespace data last read, kept for the saved state. */
  private volatile byte[] identify = new byte[0];
  private volatile boolean removed;
  /** The size waiters see: set only after the listeners were told, so they are told first. */
  private long publishedBlockCount;
  private final List<ResizeListener> listeners = new CopyOnWriteArrayList<>();

  private Namespace(int nsid, long blockCount, int lbads, int metadataSize, int maxTransferBlocks,
      String nguid, String eui64) {
    this.nsid = nsid;
    this.blockCount = blockCount;
    this.publishedBlockCount = blockCount;
    this.lbads = lbads;
    this.blockSize = 1 << lbads;
    this.metadataSize = metadataSize;
    this.maxTransferBlocks = maxTransferBlocks;
    this.nguid = nguid;
    this.eui64 = eui64;
  }

  /**
   * Validates Identify Namespace data: NSZE, the FLBAS index, LBADS in 9..16, and that the
   * transfer limit holds at least one block.
   *
   * @param maxTransferBytes the controller's transfer limit (MDTS and the driver's own)
   * @param maxNlb largest block count one command can encode
   */
  static Namespace fromIdentify(int nsid, IdentifyNamespace id, long maxTransferBytes, int maxNlb)
      throws NamespaceException {
    long nsze = id.nsze();
    if (nsze == 0) {
      throw new NamespaceException("namespace is not active (NSZE=0)",
          NamespaceException.Reason.NOT_FOUND, nsid);
    }
    int index = id.formatIndex();
    if (index > id.nlbafZ()) {
      throw new NamespaceException("FLBAS selects format " + index + " but NLBAF=" + id.nlbafZ(),
          NamespaceException.Reason.INVALID_FLBAS, nsid);
    }
    LbaFormat f = id.lbaf(index);
    int lbads = f.lbads();
    if (lbads < LbaFormat.MIN_LBADS || lbads > LbaFormat.MAX_LBADS) {
      throw new NamespaceException("LBADS=" + lbads + " outside " + LbaFormat.MIN_LBADS + ".."
          + LbaFormat.MAX_LBADS, NamespaceException.Reason.INVALID_LBA_FORMAT, nsid);
    }
    long blocks = maxTransferBytes >>> lbads;
    if (blocks < 1) {
      throw new NamespaceException("transfer limit " + maxTransferBytes
          + " bytes is smaller than one block of " + (1 << lbads) + " bytes",
          NamespaceException.Reason.INVALID_MDTS, nsid);
    }
    int maxBlocks = (int) Math.min(blocks, maxNlb);
    Namespace ns = new Namespace(nsid, nsze, lbads, f.ms(), maxBlocks, hexOrNull(id.nguid()),
        hexOrNull(id.eui64()));
    ns.identify = rawOf(id);
    return ns;
  }

  private static byte[] rawOf(IdentifyNamespace id) {
    byte[] b = new byte[IdentifyNamespace.SIZE];
    id.buffer().get(id.offset(), b);
    return b;
  }

  byte[] identifyBytes() {
    return identify.clone();
  }

  /** Keeps the latest Identify data (rescans), for the next save. */
  void identify(IdentifyNamespace id) {
    identify = rawOf(id);
  }

  private static String hexOrNull(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return HexFormat.of().formatHex(b);
      }
    }
    return null;
  }

  /**
   * Takes the identifiers from the Namespace Identification Descriptor list (CNS 03h), which
   * also carries the UUID; values Identify Namespace already gave are kept when the list lacks
   * them.
   */
  Namespace withDescriptors(java.nio.ByteBuffer descriptors) {
    io.jnvme.spec.NamespaceIdDescriptorList l =
        new io.jnvme.spec.NamespaceIdDescriptorList().wrap(descriptors, 0);
    byte[] g = l.find(io.jnvme.spec.NamespaceIdDescriptorList.NIDT_NGUID);
    byte[] e = l.find(io.jnvme.spec.NamespaceIdDescriptorList.NIDT_EUI64);
    byte[] u = l.find(io.jnvme.spec.NamespaceIdDescriptorList.NIDT_UUID);
    // A device may report any length; only the lengths the specification defines are used.
    Namespace n = new Namespace(nsid, blockCount, lbads, metadataSize, maxTransferBlocks,
        g != null && g.length == 16 ? hexOrNull(g) : nguid,
        e != null && e.length == 8 ? hexOrNull(e) : eui64);
    n.identify = identify;
    n.uuid = uuid;
    if (u != null && u.length == 16 && hexOrNull(u) != null) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(u);
      n.uuid = new java.util.UUID(b.getLong(), b.getLong()).toString();
    }
    return n;
  }

  long blockCount() {
    return blockCount;
  }

  void blockCount(long v) {
    blockCount = v;
  }

  boolean removed() {
    return removed;
  }

  void addListener(ResizeListener l) {
    listeners.add(l);
  }

  void removeListener(ResizeListener l) {
    listeners.remove(l);
  }

  /**
   * Applies a fresh Identify: NSZE = 0 removes the namespace for good; another size is published
   * to the listeners and to threads in {@link #awaitChange}.
   */
  void update(String controller, long nsze) {
    if (removed) {
      return;
    }
    long old = blockCount;
    if (nsze == 0) {
      synchronized (this) {
        removed = true;
        notifyAll();
      }
      LOG.warn("namespace removed controller={} nsid={}", controller, nsid);
      return;
    }
    if (nsze == old) {
      return;
    }
    blockCount = nsze;
    LOG.info("namespace resized controller={} nsid={} oldBlocks={} newBlocks={}", controller, nsid,
        old, nsze);
    for (ResizeListener l : listeners) {
      try {
        l.resized(nsid, old, nsze);
      } catch (RuntimeException e) {
        LOG.error("resize listener threw controller={} nsid={}", controller, nsid, e);
      }
    }
    synchronized (this) {
      publishedBlockCount = nsze;
      notifyAll();
    }
  }

  /** Waits until the block count differs from {@code known} or the namespace is removed. */
  synchronized long awaitChange(long known, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (publishedBlockCount == known && !removed) {
      long rem = deadline - System.nanoTime();
      if (rem <= 0) {
        break;
      }
      wait(Math.max(1, rem / 1_000_000));
    }
    return publishedBlockCount;
  }

  NamespaceInfo info(String owner) {
    return new NamespaceInfo(nsid, blockCount, blockSize, metadataSize, maxTransferBlocks,
        removed ? "removed" : "active", owner, nguid, eui64, uuid);
  }
}
