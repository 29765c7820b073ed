package io.jnvme.manager;

import io.jnvme.manager.naming.NameTable;
import io.jnvme.manager.naming.NamespaceIdentity;
import io.jnvme.manager.naming.NamingException;
import io.jnvme.manager.naming.NamingPolicy;
import io.jnvme.manager.naming.Topology;
import io.jnvme.manager.registry.EntryNotFoundException;
import io.jnvme.manager.registry.OwnershipRegistry;
import io.jnvme.manager.registry.RegistryEntry;
import io.jnvme.manager.registry.RegistryException;
import io.jnvme.manager.registry.RegistrySnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects and disconnects controllers, names them the way Linux does, and records their owners
 * in the {@link OwnershipRegistry}. Plain Java; the OSGi and shell layers are thin adapters.
 *
 * <p>Ordering that the guarantees rest on:
 *
 * <ul>
 *   <li>A controller takes its number before it is brought up, as in Linux, and gives it back if
 *       the connect fails.
 *   <li>Its registry entry, with its owner, is on disk before {@link #connect} returns and
 *       before a bulk disconnect can see the controller; a controller whose entry cannot be
 *       written is disconnected again and the connect fails.
 *   <li>A bulk disconnect decides from one registry read and removes nothing if the registry, or
 *       the entry of a controller it considers, cannot be read.
 *   <li>Disconnecting removes the registry entry by its id only, so it can never remove the
 *       entry of a newer controller that was given the same name.
 * </ul>
 *
 * <p>Thread-safe. Bring-up and shutdown run outside the manager's lock.
 *
 * @since 1.0
 */
public final class ControllerManager {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerManager.class);

  private final OwnershipRegistry registry;
  private final ControllerConnector connector;
  private final Object lock = new Object();
  // Guarded by lock.
  private Topology topology;
  // Guarded by lock; by naming-model key, published only once the registry entry exists.
  private final Map<String, Connected> connected = new LinkedHashMap<>();
  // Guarded by lock.
  private long nextKey = 1;

  private record Connected(String key, ManagedController info, ConnectedController controller) {}

  /**
   * A manager that starts with no controllers.
   *
   * @param registry where owners are recorded
   * @param connector brings controllers up
   * @param policy how namespaces are named
   */
  public ControllerManager(OwnershipRegistry registry, ControllerConnector connector,
      NamingPolicy policy) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.connector = Objects.requireNonNull(connector, "connector");
    this.topology = Topology.empty(Objects.requireNonNull(policy, "policy"));
  }

  /** The registry this manager records owners in. */
  public OwnershipRegistry registry() {
    return registry;
  }

  /**
   * Connects a controller, names it, and records its owner.
   *
   * @throws ConnectFailedException TRANSPORT, REJECTED, REGISTRY or INVALID_REQUEST; the
   *     controller is not connected and its number is free again
   */
  public ManagedController connect(ConnectRequest request) throws ConnectFailedException {
    String key;
    String name;
    synchronized (lock) {
      key = "c" + nextKey++;
      topology = topology.addController(key);
      name = topology.controller(key).orElseThrow().name();
    }
    ConnectedController c = null;
    try {
      c = connector.connect(request.transport(), request.options(), name);
      synchronized (lock) {
        Topology t = topology.identify(key, c.identity());
        for (NamespaceIdentity ns : c.namespaces()) {
          try {
            t = t.addNamespace(key, ns);
          } catch (NamingException e) {
            // As in Linux: the namespace gets no device, the controller stays.
            LOG.warn("namespace rejected controller={} nsid={} error={}", name,
                Integer.toUnsignedString(ns.nsid()), e.getMessage());
          }
        }
        topology = t;
      }
      RegistryEntry e = registry.create(name, request.owner(), request.transport(), c.address());
      ManagedController mc = new ManagedController(name, e.id(), request.transport(),
          c.address(), request.owner(), e.created());
      synchronized (lock) {
        connected.put(key, new Connected(key, mc, c));
      }
      LOG.info("controller connected controller={} id={} owner={} transport={} address={}",
          name, e.id(), request.owner(), request.transport(), c.address());
      return mc;
    } catch (NamingException e) {
      abandon(key, c);
      throw new ConnectFailedException("controller rejected controller=" + name + ": "
          + e.getMessage(), ConnectFailedException.Reason.REJECTED, e);
    } catch (RegistryException e) {
      abandon(key, c);
      throw new ConnectFailedException("owner not recorded, controller disconnected again "
          + "controller=" + name + ": " + e.getMessage(), ConnectFailedException.Reason.REGISTRY,
          e);
    } catch (ConnectFailedException e) {
      abandon(key, null);
      throw e;
    } catch (RuntimeException e) {
      abandon(key, c);
      throw new ConnectFailedException("connect failed controller=" + name + ": " + e,
          ConnectFailedException.Reason.TRANSPORT, e);
    }
  }

  /**
   * Takes over a controller that is already connected and already has a registry entry, e.g.
   * one that stayed enabled while the JVM restarted. It is named afresh; the entry keeps its id,
   * owner and creation time and takes the new name.
   *
   * @param transport the controller's transport
   * @param registryId the id of its entry, as recorded before the restart
   * @throws ConnectFailedException REGISTRY if the entry is missing or unreadable, REJECTED if
   *     the naming rules reject the controller; the controller is then left connected and
   *     unmanaged, for the caller to decide about
   */
  public ManagedController adopt(String transport, ConnectedController controller,
      long registryId) throws ConnectFailedException {
    String key;
    String name;
    synchronized (lock) {
      key = "c" + nextKey++;
      topology = topology.addController(key);
      name = topology.controller(key).orElseThrow().name();
    }
    try {
      synchronized (lock) {
        Topology t = topology.identify(key, controller.identity());
        for (NamespaceIdentity ns : controller.namespaces()) {
          try {
            t = t.addNamespace(key, ns);
          } catch (NamingException e) {
            LOG.warn("namespace rejected controller={} nsid={} error={}", name,
                Integer.toUnsignedString(ns.nsid()), e.getMessage());
          }
        }
        topology = t;
      }
      RegistryEntry e = registry.get(registryId)
          .orElseThrow(() -> new EntryNotFoundException(registryId));
      if (!e.name().equals(name)) {
        e = registry.rename(registryId, name);
      }
      ManagedController mc = new ManagedController(name, e.id(), transport,
          controller.address(), e.owner(), e.created());
      synchronized (lock) {
        connected.put(key, new Connected(key, mc, controller));
      }
      LOG.info("controller adopted controller={} id={} owner={} transport={} address={}", name,
          e.id(), e.owner(), transport, controller.address());
      return mc;
    } catch (NamingException e) {
      abandon(key, null);
      throw new ConnectFailedException("controller rejected controller=" + name + ": "
          + e.getMessage(), ConnectFailedException.Reason.REJECTED, e);
    } catch (RegistryException e) {
      abandon(key, null);
      throw new ConnectFailedException("registry entry not adoptable id=" + registryId + ": "
          + e.getMessage(), ConnectFailedException.Reason.REGISTRY, e);
    }
  }

  /**
   * Disconnects one controller, whoever owns it, and deletes its registry entry.
   *
   * @throws UnknownControllerException if no controller connected here has this name
   */
  public ManagedController disconnect(String name) throws UnknownControllerException {
    Connected c;
    synchronized (lock) {
      c = connected.values().stream().filter(x -> x.info().name().equals(name)).findFirst()
          .orElseThrow(() -> new UnknownControllerException(name));
      connected.remove(c.key());
    }
    try {
      c.controller().close();
    } catch (RuntimeException e) {
      LOG.warn("controller shutdown failed controller={} error={}", name, e.toString());
    }
    synchronized (lock) {
      topology = topology.removeController(c.key());
    }
    try {
      registry.delete(c.info().registryId());
    } catch (RegistryException e) {
      // The entry is stale now; it names its id, so removing it later cannot hit a newer one.
      LOG.warn("registry entry not deleted controller={} id={} error={}", name,
          c.info().registryId(), e.getMessage());
    }
    LOG.info("controller disconnected controller={} id={}", name, c.info().registryId());
    return c.info();
  }

  /**
   * Disconnects the controllers the selector picks (see {@link DisconnectAllPolicy}).
   *
   * @throws DisconnectRefusedException REGISTRY_UNREADABLE; nothing was disconnected
   */
  public DisconnectAllResult disconnectAll(DisconnectSelector selector)
      throws DisconnectRefusedException {
    List<DisconnectAllPolicy.Candidate> candidates = new ArrayList<>();
    synchronized (lock) {
      for (Connected c : connected.values()) {
        candidates.add(new DisconnectAllPolicy.Candidate(c.info().name(), c.info().registryId(),
            c.info().transport()));
      }
    }
    // Read after the candidates were taken: each of them had its entry written first.
    RegistrySnapshot snapshot =
        selector.mode() == DisconnectSelector.Mode.FORCE ? null : registry.snapshot();
    List<DisconnectAllPolicy.Candidate> chosen;
    try {
      chosen = DisconnectAllPolicy.select(selector, candidates, snapshot);
    } catch (DisconnectRefusedException e) {
      LOG.error("disconnect-all refused mode={} owner={} error={}", selector.mode(),
          selector.owner(), e.getMessage());
      throw e;
    }
    List<String> done = new ArrayList<>();
    for (DisconnectAllPolicy.Candidate c : chosen) {
      try {
        disconnect(c.name());
        done.add(c.name());
      } catch (UnknownControllerException e) {
        // Disconnected concurrently; nothing left to do.
      }
    }
    List<String> kept = new ArrayList<>();
    for (DisconnectAllPolicy.Candidate c : candidates) {
      if (!done.contains(c.name())) {
        kept.add(c.name());
      }
    }
    LOG.info("disconnect-all mode={} owner={} transport={} disconnected={} kept={}",
        selector.mode(), selector.owner(), selector.transport(), done, kept);
    return new DisconnectAllResult(done, kept);
  }

  /**
   * What a bulk disconnect did.
   *
   * @param disconnected names of the controllers disconnected
   * @param kept names of the controllers left connected
   */
  public record DisconnectAllResult(List<String> disconnected, List<String> kept) {
    public DisconnectAllResult {
      disconnected = List.copyOf(disconnected);
      kept = List.copyOf(kept);
    }
  }

  /**
   * A namespace appeared on a connected controller (a namespace-changed event).
   *
   * @throws UnknownControllerException if no controller connected here has this name
   * @throws ConnectFailedException REJECTED if the naming rules reject the namespace
   */
  public void namespaceAdded(String controller, NamespaceIdentity ns)
      throws UnknownControllerException, ConnectFailedException {
    synchronized (lock) {
      String key = keyOf(controller);
      try {
        topology = topology.addNamespace(key, ns);
      } catch (NamingException e) {
        throw new ConnectFailedException("namespace rejected controller=" + controller + ": "
            + e.getMessage(), ConnectFailedException.Reason.REJECTED, e);
      }
    }
  }

  /**
   * A namespace went away from a connected controller.
   *
   * @throws UnknownControllerException if no controller connected here has this name
   */
  public void namespaceRemoved(String controller, int nsid) throws UnknownControllerException {
    synchronized (lock) {
      topology = topology.removeNamespace(keyOf(controller), nsid);
    }
  }

  /** The controllers connected through this manager, in connect order. */
  public List<ManagedController> controllers() {
    synchronized (lock) {
      return connected.values().stream().map(Connected::info).toList();
    }
  }

  /** The names of everything connected through this manager. */
  public NameTable names() {
    synchronized (lock) {
      return topology.names();
    }
  }

  /** The naming state, for {@code list-subsys} and diagnostics. */
  public Topology topology() {
    synchronized (lock) {
      return topology;
    }
  }

  private String keyOf(String name) throws UnknownControllerException {
    return connected.values().stream().filter(x -> x.info().name().equals(name)).findFirst()
        .map(Connected::key).orElseThrow(() -> new UnknownControllerException(name));
  }

  /** Undoes a connect that did not complete: shuts the controller down, frees its number. */
  private void abandon(String key, ConnectedController c) {
    if (c != null) {
      try {
        c.close();
      } catch (RuntimeException e) {
        LOG.warn("shutdown of abandoned controller failed key={} error={}", key, e.toString());
      }
    }
    synchronized (lock) {
      topology = topology.removeController(key);
    }
  }
}
