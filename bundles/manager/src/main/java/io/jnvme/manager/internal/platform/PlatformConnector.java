package io.jnvme.manager.internal.platform;

import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.NamespaceInfo;
import io.jnvme.manager.ConnectFailedException;
import io.jnvme.manager.ConnectedController;
import io.jnvme.manager.ControllerConnector;
import io.jnvme.manager.naming.ControllerIdentity;
import io.jnvme.manager.naming.NamespaceIdentifiers;
import io.jnvme.manager.naming.NamespaceIdentity;
import io.jnvme.spec.IdentifyController;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Connects controllers for the {@link io.jnvme.manager.ControllerManager} by making them
 * {@link ConfiguredController}s of the platform: the manager has already reserved the name; the
 * controller is brought up (or waits until the driver, an allocator and its transport are there)
 * and then identified.
 *
 * <p>Driver options travel in the connect options under the keys {@link #DRIVER_KEYS}; every
 * other option goes to the transport.
 */
public final class PlatformConnector implements ControllerConnector {
  /**
   * Connect option for controllers from configuration files: the connect waits until the
   * controller runs, however long its driver, allocator or transport take to appear, and a start
   * failure is retried when they change, instead of failing the connect.
   */
  public static final String PERSISTENT = "jnvme.persistent";

  /** Connect options that configure the driver rather than the transport. */
  public static final List<String> DRIVER_KEYS = List.of("keepalive", "maxIoQueues", "cpuCount",
      "ioQueueEntries", "commandTimeoutMillis", "owner", PERSISTENT);

  private final Function<ControllerConfig, ConfiguredController> add;
  private final Duration waitForStart;

  /**
   * @param add registers a new configured controller with the platform and tries to start it
   * @param waitForStart how long a connect waits for the controller to run
   */
  public PlatformConnector(Function<ControllerConfig, ConfiguredController> add,
      Duration waitForStart) {
    this.add = add;
    this.waitForStart = waitForStart;
  }

  /** Builds a controller configuration from connect options. */
  public static ControllerConfig config(String name, String transport, Map<String, String> all) {
    Map<String, String> transportOptions = new HashMap<>(all);
    DRIVER_KEYS.forEach(transportOptions::remove);
    try {
      return new ControllerConfig(name, transport, transportOptions,
          Boolean.parseBoolean(all.getOrDefault("keepalive", "false")),
          Integer.parseInt(all.getOrDefault("maxIoQueues", "0")),
          Integer.parseInt(all.getOrDefault("ioQueueEntries", "256")),
          Duration.ofMillis(Long.parseLong(all.getOrDefault("commandTimeoutMillis", "30000"))),
          all.getOrDefault("owner", ""),
          Integer.parseInt(all.getOrDefault("cpuCount", "0")));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a driver option is not a number: " + e.getMessage(), e);
    }
  }

  @Override
  public ConnectedController connect(String transport, Map<String, String> options, String name)
      throws ConnectFailedException {
    ControllerConfig cfg;
    try {
      cfg = config(name, transport, options);
    } catch (IllegalArgumentException e) {
      throw new ConnectFailedException(e.getMessage(),
          ConnectFailedException.Reason.INVALID_REQUEST, e);
    }
    ConfiguredController c = add.apply(cfg);
    boolean persistent = Boolean.parseBoolean(options.getOrDefault(PERSISTENT, "false"));
    try {
      if (persistent) {
        while (!c.awaitRunning(60_000)) {
          if (c.phase() == ConfiguredController.Phase.STOPPED) {
            throw new ConnectFailedException("controller " + name + " was stopped while it"
                + " waited to start", ConnectFailedException.Reason.TRANSPORT, null);
          }
        }
      } else if (!c.awaitStarted(waitForStart.toMillis())) {
        throw new ConnectFailedException("controller " + name + " did not start within "
            + waitForStart.toSeconds() + " s (" + c.view().failure() + ")",
            ConnectFailedException.Reason.TRANSPORT, null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      c.stop();
      throw new ConnectFailedException("interrupted while connecting " + name,
          ConnectFailedException.Reason.TRANSPORT, e);
    }
    if (c.phase() != ConfiguredController.Phase.RUNNING) {
      String why = c.failure();
      c.stop();
      throw new ConnectFailedException("controller " + name + " failed to start: " + why,
          ConnectFailedException.Reason.TRANSPORT, null);
    }
    try {
      return connected(c);
    } catch (NvmeException | RuntimeException e) {
      c.stop();
      throw new ConnectFailedException("controller " + name + " could not be identified: " + e,
          ConnectFailedException.Reason.TRANSPORT, e);
    }
  }

  private static ConnectedController connected(ConfiguredController c) throws NvmeException {
    NvmeController ctrl = c.controller();
    ByteBuffer raw = ctrl.identifyController();
    IdentifyController id = new IdentifyController().wrap(raw, 0);
    ControllerIdentity identity = new ControllerIdentity(id.subnqn(), id.vid(), id.ssvid(),
        id.sn(), id.mn(), id.cntlid(), id.cmic(), id.oacs(), id.ctratt(), false, false);
    List<NamespaceIdentity> namespaces = new ArrayList<>();
    for (NamespaceInfo ns : ctrl.namespaces()) {
      if (!"active".equals(ns.state())) {
        continue;
      }
      namespaces.add(new NamespaceIdentity(ns.nsid(), new NamespaceIdentifiers(ns.nguid(),
          ns.eui64(), ns.uuid() == null ? null : UUID.fromString(ns.uuid()), 0), false));
    }
    String address = ctrl.deviceId();
    return new ConnectedController() {
      @Override
      public String address() {
        return address;
      }

      @Override
      public ControllerIdentity identity() {
        return identity;
      }

      @Override
      public List<NamespaceIdentity> namespaces() {
        return namespaces;
      }

      @Override
      public void close() {
        c.stop();
      }
    };
  }
}
