package io.jnvme.driver.internal;

import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NamespaceInfo;
import io.jnvme.driver.NvmeException;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who holds which namespace: at most one open handle per NSID. An NSID stays taken until its
 * handle is closed (or collected), whether or not the namespace was removed meanwhile; a second
 * open is a DUPLICATE error, never the old object.
 */
final class NamespaceRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(NamespaceRegistry.class);
  private static final Cleaner CLEANER = Cleaner.create();
  private static final int MAX_NLB = 65536;

  private final Controller ctrl;
  /** Open namespaces by NSID, with their owners. Guarded by {@code this}. */
  private final Map<Integer, Entry> open = new TreeMap<>();

  private record Entry(Namespace ns, String owner) {}

  NamespaceRegistry(Controller ctrl) {
    this.ctrl = ctrl;
  }

  NamespaceHandle open(int nsid, String owner) throws NvmeException {
    if (nsid <= 0) {
      throw new NamespaceException("NSID must be positive", NamespaceException.Reason.NOT_FOUND,
          nsid);
    }
    synchronized (this) {
      Entry e = open.get(nsid);
      if (e != null) {
        throw new NamespaceException("namespace is already open by owner=" + e.owner
            + (e.ns.removed() ? " (and was removed since)" : "") + " controller=" + ctrl.name(),
            NamespaceException.Reason.DUPLICATE, nsid);
      }
      Namespace ns = Namespace.fromIdentify(nsid, ctrl.identifyNamespaceView(nsid),
          ctrl.maxTransferBytes(), MAX_NLB);
      String who = owner == null || owner.isBlank() ? "anonymous" : owner;
      open.put(nsid, new Entry(ns, who));
      Release release = new Release(this, ns, who, ctrl.name());
      NamespaceHandleImpl h = new NamespaceHandleImpl(ctrl, ns, release);
      release.cleanable = CLEANER.register(h, release);
      LOG.info("namespace opened controller={} nsid={} owner={} blocks={} blockSize={}",
          ctrl.name(), nsid, who, ns.blockCount(), ns.blockSize);
      return h;
    }
  }

  synchronized void release(Namespace ns) {
    Entry e = open.get(ns.nsid);
    if (e != null && e.ns == ns) {
      open.remove(ns.nsid);
    }
  }

  /** Every active namespace, plus open ones that were removed. */
  List<NamespaceInfo> list() throws NvmeException {
    List<Integer> active = ctrl.activeNamespaceIds();
    Map<Integer, Entry> snapshot;
    synchronized (this) {
      snapshot = new TreeMap<>(open);
    }
    TreeSet<Integer> all = new TreeSet<>(active);
    all.addAll(snapshot.keySet());
    List<NamespaceInfo> out = new ArrayList<>();
    for (int nsid : all) {
      Entry e = snapshot.get(nsid);
      if (e != null) {
        out.add(e.ns.info(e.owner));
        continue;
      }
      try {
        out.add(Namespace.fromIdentify(nsid, ctrl.identifyNamespaceView(nsid),
            ctrl.maxTransferBytes(), MAX_NLB).info(null));
      } catch (NamespaceException ex) {
        LOG.warn("namespace listed as active cannot be used controller={} nsid={}: {}",
            ctrl.name(), nsid, ex.getMessage());
      }
    }
    return out;
  }

  /** The open namespace object of {@code nsid}, or null. */
  synchronized Namespace openNamespace(int nsid) {
    Entry e = open.get(nsid);
    return e == null ? null : e.ns;
  }

  synchronized List<Namespace> openNamespaces() {
    List<Namespace> out = new ArrayList<>();
    open.values().forEach(e -> out.add(e.ns));
    return out;
  }

  void closeAll() {
    synchronized (this) {
      open.clear();
    }
  }

  /**
   * Releases an NSID when its handle is closed or collected. Holds no reference to the handle, or
   * the handle could never be collected.
   */
  static final class Release implements Runnable {
    private final NamespaceRegistry registry;
    private final Namespace ns;
    private final String owner;
    private final String controller;
    volatile boolean explicit;
    Cleaner.Cleanable cleanable;

    Release(NamespaceRegistry registry, Namespace ns, String owner, String controller) {
      this.registry = registry;
      this.ns = ns;
      this.owner = owner;
      this.controller = controller;
    }

    @Override
    public void run() {
      if (!explicit) {
        LOG.warn("namespace handle was not closed; released after garbage collection"
            + " controller={} nsid={} owner={}", controller, ns.nsid, owner);
      }
      registry.release(ns);
    }
  }
}
