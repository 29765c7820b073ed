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
  /**
   * Every namespace this driver has seen, as last seen: one that left the active list stays here
   * as removed until its NSID is active again. Guarded by {@code this}.
   */
  private final Map<Integer, NamespaceInfo> known = new TreeMap<>();
  /**
   * Namespaces rebuilt from a saved state that nobody has opened since: handed out without an
   * Identify, and saved again by the next save. Guarded by {@code this}.
   */
  private final Map<Integer, Namespace> restored = new TreeMap<>();

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
      Namespace r = restored.remove(nsid);
      Namespace ns = r != null && !r.removed() ? r : identify(nsid);
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

  /** What a save records: open namespaces with their owners, and unclaimed restored ones. */
  synchronized List<io.jnvme.driver.savestate.NamespaceState> snapshot() {
    List<io.jnvme.driver.savestate.NamespaceState> out = new ArrayList<>();
    for (Entry e : open.values()) {
      out.add(new io.jnvme.driver.savestate.NamespaceState(e.ns.nsid, e.ns.identifyBytes(),
          e.owner));
    }
    for (Namespace ns : restored.values()) {
      out.add(new io.jnvme.driver.savestate.NamespaceState(ns.nsid, ns.identifyBytes(), null));
    }
    return out;
  }

  /** Rebuilds namespaces from a saved state, unclaimed, without asking the device. */
  synchronized void restore(List<io.jnvme.driver.savestate.NamespaceState> saved) {
    for (io.jnvme.driver.savestate.NamespaceState s : saved) {
      try {
        io.jnvme.spec.IdentifyNamespace id = new io.jnvme.spec.IdentifyNamespace().wrap(
            java.nio.ByteBuffer.wrap(s.identify()).order(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        Namespace ns = Namespace.fromIdentify(s.nsid(), id, ctrl.maxTransferBytes(), MAX_NLB);
        restored.put(s.nsid(), ns);
        known.put(s.nsid(), ns.info(null));
      } catch (NamespaceException | RuntimeException e) {
        LOG.warn("saved namespace not restored controller={} nsid={}: {}", ctrl.name(), s.nsid(),
            e.getMessage());
      }
    }
  }

  synchronized void release(Namespace ns) {
    Entry e = open.get(ns.nsid);
    if (e != null && e.ns == ns) {
      open.remove(ns.nsid);
    }
  }

  /**
   * Identify Namespace (validated) and its identification descriptors. A controller that does not
   * support CNS 03h still yields a namespace, with the identifiers Identify Namespace gave.
   */
  Namespace identify(int nsid) throws NvmeException {
    Namespace ns = Namespace.fromIdentify(nsid, ctrl.identifyNamespaceView(nsid),
        ctrl.maxTransferBytes(), MAX_NLB);
    try {
      return ns.withDescriptors(ctrl.identifyRaw(io.jnvme.spec.Cns.NAMESPACE_ID_DESCRIPTORS.raw(),
          nsid));
    } catch (io.jnvme.driver.NvmeStatusException e) {
      LOG.debug("no namespace identification descriptors controller={} nsid={}: {}", ctrl.name(),
          nsid, e.getMessage());
      return ns;
    }
  }

  /**
   * Active namespaces (Identify CNS 02h), open ones, and ones seen before that have left the
   * active list (shown as removed).
   */
  List<NamespaceInfo> list() throws NvmeException {
    List<Integer> active = ctrl.activeNamespaceIds();
    Map<Integer, Entry> snapshot;
    synchronized (this) {
      snapshot = new TreeMap<>(open);
    }
    Map<Integer, NamespaceInfo> fresh = new TreeMap<>();
    for (int nsid : active) {
      Entry e = snapshot.get(nsid);
      if (e != null) {
        continue;
      }
      try {
        fresh.put(nsid, identify(nsid).info(null));
      } catch (NamespaceException ex) {
        LOG.warn("namespace listed as active cannot be used controller={} nsid={}: {}",
            ctrl.name(), nsid, ex.getMessage());
      }
    }
    synchronized (this) {
      for (Map.Entry<Integer, NamespaceInfo> k : known.entrySet()) {
        if (!fresh.containsKey(k.getKey()) && !active.contains(k.getKey())) {
          k.setValue(k.getValue().with("removed", null));
        }
      }
      known.putAll(fresh);
      TreeSet<Integer> all = new TreeSet<>(known.keySet());
      all.addAll(snapshot.keySet());
      List<NamespaceInfo> out = new ArrayList<>();
      for (int nsid : all) {
        Entry e = snapshot.get(nsid);
        out.add(e != null ? e.ns.info(e.owner) : known.get(nsid));
      }
      return out;
    }
  }

  /** Learns the namespaces present at start, so that a later removal can be shown. */
  void discover() {
    try {
      list();
    } catch (NvmeException e) {
      LOG.warn("namespace discovery failed controller={}: {}", ctrl.name(), e.getMessage());
    }
  }

  /** After a changed-namespace notice for an NSID nobody holds: refresh what is known of it. */
  void refreshUnopened(int nsid) {
    NamespaceInfo info;
    try {
      info = identify(nsid).info(null);
    } catch (NamespaceException e) {
      synchronized (this) {
        known.computeIfPresent(nsid, (k, v) -> v.with("removed", null));
      }
      return;
    } catch (NvmeException e) {
      LOG.warn("re-identify failed controller={} nsid={}: {}", ctrl.name(), nsid, e.getMessage());
      return;
    }
    synchronized (this) {
      known.put(nsid, info);
    }
  }

  /** The open (or restored, unclaimed) namespace object of {@code nsid}, or null. */
  synchronized Namespace openNamespace(int nsid) {
    Entry e = open.get(nsid);
    return e != null ? e.ns : restored.get(nsid);
  }

  /** Open namespaces and restored ones not yet claimed: both follow namespace events. */
  synchronized List<Namespace> openNamespaces() {
    List<Namespace> out = new ArrayList<>();
    open.values().forEach(e -> out.add(e.ns));
    out.addAll(restored.values());
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
