package io.jnvme.manager.naming;

import io.jnvme.manager.naming.NameTable.ControllerName;
import io.jnvme.manager.naming.NameTable.DiskName;
import io.jnvme.manager.naming.NameTable.SubsystemName;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * The instance state behind Linux-style NVMe names: controllers, subsystems, namespace heads,
 * per-controller namespace objects, open handles, and the pools their numbers come from.
 * Immutable; every hot-plug operation returns a new state, and {@link #names()} is a pure
 * function of the state.
 *
 * <p>The rules are the kernel's (see NAMING-AND-REGISTRY.md §1):
 *
 * <ul>
 *   <li>Controllers and subsystems share one pool, lowest free first. A controller takes its
 *       number when it is added, before anything is known about its subsystem.
 *   <li>At its first Identify a controller joins the subsystem with the same NQN, or creates one
 *       that takes over the controller's number. The discovery NQN never matches.
 *   <li>Namespace heads are numbered per subsystem from 1; a namespace joins a head only if both
 *       are shared and report the same identifiers.
 *   <li>Nothing is released while something holds it. Open handles hold a controller, a
 *       namespace object or a multipath head; a namespace object holds its controller and its
 *       head; a head and a controller each hold their subsystem. A controller frees its number
 *       when released unless it donated that number to its subsystem, which frees it when the
 *       subsystem is released.
 * </ul>
 *
 * <p>Controllers are identified by a key the caller chooses (a registry id, or a label in
 * tests), because the number of a controller object is only known once it is added, and a
 * reconnect is a new object with a new number.
 *
 * @since 1.0
 */
public final class Topology {
  private static final int NONE = -1;

  private final NamingPolicy policy;
  private final InstancePool instances;
  private final Map<String, Ctrl> controllers;
  private final Map<Integer, Subsys> subsystems;
  private final Map<Long, Ns> namespaces;
  private final Map<String, Handle> handles;
  private final long nextNamespaceObject;

  /**
   * A controller object. It exists while it is live (connected) or something holds it.
   *
   * @param subsystem the subsystem instance, or {@link #NONE} before the first Identify
   */
  private record Ctrl(
      String key, int instance, boolean live, ControllerIdentity identity, int subsystem) {
    Ctrl deleted() {
      return new Ctrl(key, instance, false, identity, subsystem);
    }

    boolean identified() {
      return identity != null;
    }
  }

  /** A subsystem with its own pool of head numbers. */
  private record Subsys(
      int instance, String nqn, int cmic, InstancePool headPool, Map<Integer, Head> heads) {}

  /**
   * A namespace head: what all paths to one namespace of a subsystem share.
   *
   * @param multipath decided when the head is allocated and never changed
   */
  private record Head(
      int instance, int nsid, NamespaceIdentifiers ids, boolean shared, boolean multipath) {}

  /**
   * One namespace as found on one controller. It stays after removal while a handle holds it,
   * then no longer counts as a path of its head.
   */
  private record Ns(long id, String controller, int nsid, int subsystem, int head, boolean live) {
    Ns removed() {
      return new Ns(id, controller, nsid, subsystem, head, false);
    }
  }

  private enum HandleKind {
    CONTROLLER,
    PATH,
    HEAD
  }

  /** An open handle; only the fields of its kind are meaningful. */
  private record Handle(
      String label, HandleKind kind, String controller, long ns, int subsystem, int head) {}

  private Topology(Draft d) {
    this.policy = d.policy;
    this.instances = d.instances;
    this.controllers = Collections.unmodifiableMap(d.ctrls);
    this.subsystems = Collections.unmodifiableMap(d.subs);
    this.namespaces = Collections.unmodifiableMap(d.nss);
    this.handles = Collections.unmodifiableMap(d.handles);
    this.nextNamespaceObject = d.nextNs;
  }

  /** No controllers, with the kernel's default naming policy. */
  public static Topology empty() {
    return empty(NamingPolicy.DEFAULT);
  }

  /** No controllers. */
  public static Topology empty(NamingPolicy policy) {
    return new Topology(new Draft(Objects.requireNonNull(policy, "policy")));
  }

  /** The naming policy. */
  public NamingPolicy policy() {
    return policy;
  }

  /** The shared controller and subsystem pool. */
  public InstancePool instances() {
    return instances;
  }

  // ---- hot-plug operations ----

  /**
   * A transport created a controller: it takes the lowest free number of the shared pool.
   *
   * @param key the caller's key for this controller object, unique while the object exists
   * @throws IllegalArgumentException if a controller object with this key exists
   */
  public Topology addController(String key) {
    Objects.requireNonNull(key, "key");
    if (controllers.containsKey(key)) {
      throw new IllegalArgumentException("controller key=" + key + " exists");
    }
    Draft d = new Draft(this);
    int n = d.instances.lowestFree();
    d.instances = d.instances.withAllocated(n);
    d.ctrls.put(key, new Ctrl(key, n, true, null, NONE));
    return d.build();
  }

  /**
   * The controller's first Identify Controller: it joins the subsystem with its NQN or creates
   * one, which takes the controller's number.
   *
   * @throws NamingException DUPLICATE_CNTLID or NOT_MULTI_CONTROLLER; the controller should
   *     then be removed, which frees its number
   * @throws IllegalStateException if the controller is not live or was identified before
   */
  public Topology identify(String key, ControllerIdentity identity) throws NamingException {
    Ctrl c = live(key);
    if (c.identified()) {
      throw new IllegalStateException("controller key=" + key + " already identified");
    }
    String nqn = identity.subsystemNqn();
    Subsys found = null;
    if (!ControllerIdentity.DISCOVERY_NQN.equals(nqn)) {
      found = subsystems.values().stream().filter(s -> s.nqn().equals(nqn)).findFirst()
          .orElse(null);
    }
    Draft d = new Draft(this);
    if (found != null) {
      // Controllers being deleted are skipped: a reconnect may reuse the CNTLID of the
      // controller it replaces, and a single-controller subsystem may get its new controller.
      for (Ctrl other : controllers.values()) {
        if (other.live() && other.subsystem() == found.instance()) {
          if (other.identity().cntlid() == identity.cntlid()) {
            throw new NamingException("duplicate cntlid=" + identity.cntlid() + " subsystem="
                + nqn + " controller=" + name(other), NamingException.Reason.DUPLICATE_CNTLID);
          }
          if (!identity.multiController() && !identity.discovery()) {
            throw new NamingException("subsystem does not support multiple controllers "
                + "subsystem=" + nqn, NamingException.Reason.NOT_MULTI_CONTROLLER);
          }
        }
      }
      d.ctrls.put(key, new Ctrl(key, c.instance(), true, identity, found.instance()));
    } else {
      // The number stays allocated once; from now on the subsystem frees it (see settle()).
      d.subs.put(c.instance(), new Subsys(c.instance(), nqn, identity.cmic(),
          InstancePool.startingAt(1), Map.of()));
      d.ctrls.put(key, new Ctrl(key, c.instance(), true, identity, c.instance()));
    }
    return d.build();
  }

  /**
   * A scan found namespace {@code ns.nsid()} on the controller: it joins the head of the same
   * namespace or gets a new head with the lowest free number of its subsystem.
   *
   * @throws NamingException DUPLICATE_UNSHARED_NAMESPACE, IDENTIFIERS_MISMATCH,
   *     DUPLICATE_IDENTIFIERS or NAME_IN_USE
   * @throws IllegalStateException if the controller is not live and identified, or already has
   *     this NSID
   */
  public Topology addNamespace(String key, NamespaceIdentity ns) throws NamingException {
    Ctrl c = live(key);
    if (!c.identified()) {
      throw new IllegalStateException("controller key=" + key + " not identified");
    }
    if (liveNamespace(key, ns.nsid()).isPresent()) {
      throw new IllegalStateException("controller key=" + key + " already has nsid="
          + Integer.toUnsignedString(ns.nsid()));
    }
    Subsys s = subsystems.get(c.subsystem());
    ControllerIdentity id = c.identity();
    // Without these, NSIDs are only unique per controller: private namespaces on different
    // controllers may use the same NSID for different namespaces.
    boolean nsidUniqueInSubsystem = (id.oacs() & ControllerIdentity.OACS_NS_MANAGEMENT) != 0
        || (s.cmic() & ControllerIdentity.CMIC_ANA) != 0
        || (id.ctratt() & ControllerIdentity.CTRATT_NVM_SETS) != 0;
    Head found = s.heads().values().stream()
        .filter(h -> h.nsid() == ns.nsid() && listed(s.instance(), h.instance())
            && (h.shared() || nsidUniqueInSubsystem))
        .findFirst().orElse(null);
    Draft d = new Draft(this);
    int head;
    if (found != null) {
      if (!ns.shared() || !found.shared()) {
        throw new NamingException("duplicate unshared namespace nsid="
            + Integer.toUnsignedString(ns.nsid()) + " controller=" + name(c),
            NamingException.Reason.DUPLICATE_UNSHARED_NAMESPACE);
      }
      if (!ns.ids().equals(found.ids())) {
        throw new NamingException("identifiers differ for shared namespace nsid="
            + Integer.toUnsignedString(ns.nsid()) + " controller=" + name(c),
            NamingException.Reason.IDENTIFIERS_MISMATCH);
      }
      head = found.instance();
    } else {
      for (Head h : s.heads().values()) {
        if (listed(s.instance(), h.instance()) && ns.ids().sharesAnyWith(h.ids())) {
          throw new NamingException("identifiers of nsid=" + Integer.toUnsignedString(ns.nsid())
              + " already used by nsid=" + Integer.toUnsignedString(h.nsid()) + " controller="
              + name(c), NamingException.Reason.DUPLICATE_IDENTIFIERS);
        }
      }
      head = s.headPool().lowestFree();
      boolean multipath = (policy.multipathAlwaysOn()
          || (policy.multipath() && (s.cmic() & ControllerIdentity.CMIC_MULTI_CONTROLLER) != 0))
          && (ns.shared() || nsidUniqueInSubsystem);
      Map<Integer, Head> heads = new TreeMap<>(s.heads());
      heads.put(head, new Head(head, ns.nsid(), ns.ids(), ns.shared(), multipath));
      d.subs.put(s.instance(), new Subsys(s.instance(), s.nqn(), s.cmic(),
          s.headPool().withAllocated(head), Collections.unmodifiableMap(heads)));
    }
    long obj = d.nextNs++;
    d.nss.put(obj, new Ns(obj, key, ns.nsid(), s.instance(), head, true));
    Topology next = d.build();
    // The kernel fails to add a disk whose name exists, and the namespace is not added. Names
    // were unique before, so a duplicate now involves the new namespace.
    Set<String> seen = new HashSet<>();
    for (DiskName x : next.names().disks()) {
      for (String n : new String[] {x.name(), x.charDevice()}) {
        if (n != null && !seen.add(n)) {
          throw new NamingException("device name in use name=" + n + " nsid="
              + Integer.toUnsignedString(ns.nsid()) + " controller=" + name(c),
              NamingException.Reason.NAME_IN_USE);
        }
      }
    }
    return next;
  }

  /**
   * The namespace went away from the controller (deleted, detached, or its identifiers
   * changed). Its devices disappear; an open handle keeps the object, and so its head number.
   *
   * @throws IllegalStateException if the controller has no such live namespace
   */
  public Topology removeNamespace(String key, int nsid) {
    Ns ns = liveNamespace(key, nsid).orElseThrow(() -> new IllegalStateException(
        "controller key=" + key + " has no nsid=" + Integer.toUnsignedString(nsid)));
    Draft d = new Draft(this);
    d.nss.put(ns.id(), ns.removed());
    return d.build();
  }

  /**
   * The controller was deleted (disconnect, or loss beyond the reconnect timeout). Its devices
   * disappear; its number is released once nothing holds the object any more.
   *
   * <p>A reset or a reconnect within the loss timeout is not a removal: the object and every
   * name stay as they are.
   *
   * @throws IllegalStateException if the controller is not live
   */
  public Topology removeController(String key) {
    Ctrl c = live(key);
    Draft d = new Draft(this);
    d.ctrls.put(key, c.deleted());
    for (Ns ns : namespaces.values()) {
      if (ns.live() && ns.controller().equals(key)) {
        d.nss.put(ns.id(), ns.removed());
      }
    }
    return d.build();
  }

  /**
   * Opens a device by name: a controller ({@code nvme0}), a namespace block device
   * ({@code nvme0n1}) or a generic character device ({@code ng0n1}). The handle holds what it
   * opened until {@link #close(String)}.
   *
   * @param label the caller's name for the handle
   * @throws IllegalArgumentException if no such device exists or the label is in use
   */
  public Topology open(String device, String label) {
    Objects.requireNonNull(label, "label");
    if (handles.containsKey(label)) {
      throw new IllegalArgumentException("handle label=" + label + " in use");
    }
    Handle h = resolve(device, label).orElseThrow(
        () -> new IllegalArgumentException("no device named " + device));
    Draft d = new Draft(this);
    d.handles.put(label, h);
    return d.build();
  }

  /**
   * Closes a handle; what it held is released if nothing else holds it.
   *
   * @throws IllegalArgumentException if no handle has this label
   */
  public Topology close(String label) {
    if (!handles.containsKey(label)) {
      throw new IllegalArgumentException("no handle label=" + label);
    }
    Draft d = new Draft(this);
    d.handles.remove(label);
    return d.build();
  }

  // ---- queries ----

  /** Every name this state yields. */
  public NameTable names() {
    List<ControllerName> ctrls = new ArrayList<>();
    controllers.values().stream().filter(Ctrl::live)
        .sorted(Comparator.comparingInt(Ctrl::instance))
        .forEach(c -> ctrls.add(new ControllerName(name(c), c.instance(), c.key(),
            c.subsystem() == NONE ? null : subsystemName(c.subsystem()))));
    List<SubsystemName> subs = new ArrayList<>();
    for (Subsys s : subsystems.values()) {
      subs.add(new SubsystemName(subsystemName(s.instance()), s.instance(), s.nqn(),
          liveControllersOf(s.instance())));
    }
    List<DiskName> disks = new ArrayList<>();
    for (Ns ns : namespaces.values()) {
      if (!ns.live()) {
        continue;
      }
      Ctrl c = controllers.get(ns.controller());
      Subsys s = subsystems.get(ns.subsystem());
      Head h = s.heads().get(ns.head());
      List<String> aliases = StableAliases.of(s.nqn(), h.nsid(), h.ids());
      int sn = s.instance();
      int hn = h.instance();
      int cn = c.instance();
      if (h.multipath()) {
        disks.add(new DiskName("nvme" + sn + "c" + cn + "n" + hn, null, true, sn, hn, h.nsid(),
            List.of(name(c)), List.of()));
        String headDisk = "nvme" + sn + "n" + hn;
        if (disks.stream().noneMatch(x -> x.name().equals(headDisk))) {
          disks.add(new DiskName(headDisk, "ng" + sn + "n" + hn, false, sn, hn, h.nsid(),
              pathControllers(sn, hn), aliases));
        }
      } else if (policy.multipath()) {
        // The block device is named after the subsystem, the character device after the
        // controller; they differ once the subsystem has outlived its first controller.
        disks.add(new DiskName("nvme" + sn + "n" + hn, "ng" + cn + "n" + hn, false, sn, hn,
            h.nsid(), List.of(name(c)), aliases));
      } else {
        disks.add(new DiskName("nvme" + cn + "n" + hn, "ng" + cn + "n" + hn, false, sn, hn,
            h.nsid(), List.of(name(c)), aliases));
      }
    }
    disks.sort(Comparator.comparing(DiskName::name, NameTable.NATURAL_ORDER));
    return new NameTable(instances.allocated(), ctrls, subs, disks);
  }

  /** The controller object with this key, live or still held. */
  public Optional<ControllerView> controller(String key) {
    Ctrl c = controllers.get(key);
    return c == null ? Optional.empty() : Optional.of(view(c));
  }

  /** Every controller object, live or still held, by instance. */
  public List<ControllerView> controllers() {
    return controllers.values().stream().sorted(Comparator.comparingInt(Ctrl::instance))
        .map(this::view).toList();
  }

  /** The numbers allocated in the shared pool. */
  public SortedSet<Integer> instancesInUse() {
    return instances.allocated();
  }

  /**
   * Who holds number {@code instance} of the shared pool: {@code controller:<key>} and
   * {@code subsystem:<nqn>}. Empty if the number is free.
   */
  public List<String> holdersOf(int instance) {
    List<String> out = new ArrayList<>();
    for (Ctrl c : controllers.values()) {
      if (c.instance() == instance) {
        out.add("controller:" + c.key());
      }
    }
    Subsys s = subsystems.get(instance);
    if (s != null) {
      out.add("subsystem:" + s.nqn());
    }
    return List.copyOf(out);
  }

  /**
   * A controller object as the naming model sees it.
   *
   * @param key the caller's key
   * @param instance its number in the shared pool
   * @param name {@code nvme<instance>}; a device of that name exists only while it is live
   * @param live connected; false once removed but still held
   * @param subsystem its subsystem's instance, empty before the first Identify
   * @param heldBy what keeps a removed controller object, and therefore its number:
   *     {@code handle:<label>} and {@code namespace:<nsid>}
   */
  public record ControllerView(
      String key, int instance, String name, boolean live, OptionalInt subsystem,
      List<String> heldBy) {
    public ControllerView {
      heldBy = List.copyOf(heldBy);
    }
  }

  @Override
  public String toString() {
    return "Topology[instances=" + instances.allocated() + " controllers=" + controllers.size()
        + " subsystems=" + subsystems.keySet() + " handles=" + handles.keySet() + "]";
  }

  // ---- internals ----

  private ControllerView view(Ctrl c) {
    List<String> held = new ArrayList<>();
    for (Handle h : handles.values()) {
      if (h.kind() == HandleKind.CONTROLLER && h.controller().equals(c.key())) {
        held.add("handle:" + h.label());
      }
    }
    for (Ns ns : namespaces.values()) {
      if (ns.controller().equals(c.key())) {
        held.add("namespace:" + Integer.toUnsignedString(ns.nsid()));
      }
    }
    return new ControllerView(c.key(), c.instance(), name(c), c.live(),
        c.subsystem() == NONE ? OptionalInt.empty() : OptionalInt.of(c.subsystem()), held);
  }

  private Ctrl live(String key) {
    Ctrl c = controllers.get(key);
    if (c == null || !c.live()) {
      throw new IllegalStateException("no live controller key=" + key);
    }
    return c;
  }

  private Optional<Ns> liveNamespace(String key, int nsid) {
    return namespaces.values().stream()
        .filter(n -> n.live() && n.controller().equals(key) && n.nsid() == nsid).findFirst();
  }

  /** A head can be found by a scan only while at least one live namespace is a path of it. */
  private boolean listed(int subsystem, int head) {
    return namespaces.values().stream()
        .anyMatch(n -> n.live() && n.subsystem() == subsystem && n.head() == head);
  }

  private List<String> liveControllersOf(int subsystem) {
    return controllers.values().stream()
        .filter(c -> c.live() && c.subsystem() == subsystem)
        .sorted(Comparator.comparingInt(Ctrl::instance)).map(Topology::name).toList();
  }

  private List<String> pathControllers(int subsystem, int head) {
    return namespaces.values().stream()
        .filter(n -> n.live() && n.subsystem() == subsystem && n.head() == head)
        .map(n -> controllers.get(n.controller()))
        .sorted(Comparator.comparingInt(Ctrl::instance)).map(Topology::name).toList();
  }

  private Optional<Handle> resolve(String device, String label) {
    for (Ctrl c : controllers.values()) {
      if (c.live() && name(c).equals(device)) {
        return Optional.of(new Handle(label, HandleKind.CONTROLLER, c.key(), 0, NONE, NONE));
      }
    }
    for (Ns ns : namespaces.values()) {
      if (!ns.live()) {
        continue;
      }
      Ctrl c = controllers.get(ns.controller());
      Head h = subsystems.get(ns.subsystem()).heads().get(ns.head());
      int sn = ns.subsystem();
      int hn = ns.head();
      int cn = c.instance();
      if (h.multipath()) {
        // The multipath node stands for the head; opening it holds the head, not one path.
        if (device.equals("nvme" + sn + "n" + hn) || device.equals("ng" + sn + "n" + hn)) {
          return Optional.of(new Handle(label, HandleKind.HEAD, null, 0, sn, hn));
        }
        continue;
      }
      String disk = policy.multipath() ? "nvme" + sn + "n" + hn : "nvme" + cn + "n" + hn;
      if (device.equals(disk) || device.equals("ng" + cn + "n" + hn)) {
        return Optional.of(new Handle(label, HandleKind.PATH, null, ns.id(), NONE, NONE));
      }
    }
    return Optional.empty();
  }

  private static String name(Ctrl c) {
    return "nvme" + c.instance();
  }

  private static String subsystemName(int instance) {
    return "nvme-subsys" + instance;
  }

  /** A mutable copy of a state that one operation changes, then settles and freezes. */
  private static final class Draft {
    final NamingPolicy policy;
    InstancePool instances;
    final LinkedHashMap<String, Ctrl> ctrls;
    final TreeMap<Integer, Subsys> subs;
    final TreeMap<Long, Ns> nss;
    final LinkedHashMap<String, Handle> handles;
    long nextNs;

    Draft(NamingPolicy policy) {
      this.policy = policy;
      this.instances = InstancePool.startingAt(0);
      this.ctrls = new LinkedHashMap<>();
      this.subs = new TreeMap<>();
      this.nss = new TreeMap<>();
      this.handles = new LinkedHashMap<>();
      this.nextNs = 1;
    }

    Draft(Topology t) {
      this.policy = t.policy;
      this.instances = t.instances;
      this.ctrls = new LinkedHashMap<>(t.controllers);
      this.subs = new TreeMap<>(t.subsystems);
      this.nss = new TreeMap<>(t.namespaces);
      this.handles = new LinkedHashMap<>(t.handles);
      this.nextNs = t.nextNamespaceObject;
    }

    Topology build() {
      settle();
      return new Topology(this);
    }

    /**
     * Releases every object nothing holds any more, in dependency order (namespace objects,
     * heads, controllers, subsystems), freeing the numbers they own.
     */
    private void settle() {
      nss.values().removeIf(ns -> !ns.live() && handles.values().stream()
          .noneMatch(h -> h.kind() == HandleKind.PATH && h.ns() == ns.id()));

      for (Subsys s : List.copyOf(subs.values())) {
        Map<Integer, Head> heads = new TreeMap<>(s.heads());
        InstancePool pool = s.headPool();
        for (Head h : s.heads().values()) {
          boolean held = nss.values().stream()
              .anyMatch(n -> n.subsystem() == s.instance() && n.head() == h.instance())
              || handles.values().stream().anyMatch(x -> x.kind() == HandleKind.HEAD
                  && x.subsystem() == s.instance() && x.head() == h.instance());
          if (!held) {
            heads.remove(h.instance());
            pool = pool.withFreed(h.instance());
          }
        }
        if (heads.size() != s.heads().size()) {
          subs.put(s.instance(), new Subsys(s.instance(), s.nqn(), s.cmic(), pool,
              Collections.unmodifiableMap(heads)));
        }
      }

      for (Ctrl c : List.copyOf(ctrls.values())) {
        boolean held = c.live()
            || handles.values().stream().anyMatch(
                h -> h.kind() == HandleKind.CONTROLLER && h.controller().equals(c.key()))
            || nss.values().stream().anyMatch(n -> n.controller().equals(c.key()));
        if (!held) {
          ctrls.remove(c.key());
          // The controller that created its subsystem handed its number over; the subsystem
          // frees it. A controller that never got a subsystem frees its own.
          if (c.subsystem() == NONE || c.instance() != c.subsystem()) {
            instances = instances.withFreed(c.instance());
          }
        }
      }

      for (Subsys s : List.copyOf(subs.values())) {
        boolean held = !s.heads().isEmpty()
            || ctrls.values().stream().anyMatch(c -> c.subsystem() == s.instance());
        if (!held) {
          subs.remove(s.instance());
          instances = instances.withFreed(s.instance());
        }
      }
    }
  }
}
