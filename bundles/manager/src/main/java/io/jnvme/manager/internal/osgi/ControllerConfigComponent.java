package io.jnvme.manager.internal.osgi;

import io.jnvme.manager.ConnectFailedException;
import io.jnvme.manager.ConnectRequest;
import io.jnvme.manager.ControllerManager;
import io.jnvme.manager.ManagedController;
import io.jnvme.manager.UnknownControllerException;
import io.jnvme.manager.internal.platform.ControllerConfig;
import io.jnvme.manager.internal.platform.PlatformConnector;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One controller per factory configuration {@code io.jnvme.controller} (files in {@code etc/}
 * through FileInstall): connected through the controller manager, which names it the way Linux
 * does (lowest free instance: {@code nvme0} for the first) and records its owner. A changed
 * configuration restarts only its own controller. The connect runs on a thread of its own and
 * waits as long as the driver, an allocator or the transport are missing; meanwhile
 * {@code nvme:status} shows why.
 */
@Component(configurationPid = ControllerConfigComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE, service = {}, immediate = true)
@Designate(ocd = ControllerConfiguration.class, factory = true)
public final class ControllerConfigComponent {
  /** The factory PID of controller configurations. */
  public static final String PID = "io.jnvme.controller";
  /** Framework property naming the state directory (saved controllers, the registry). */
  public static final String STATE_DIR = "jnvme.state.dir";
  private static final Logger LOG = LoggerFactory.getLogger(ControllerConfigComponent.class);

  private final ControllerManager manager;
  private final ConnectRequest request;
  private final ExecutorService connector;
  private final Future<?> connecting;
  private volatile String name;
  private volatile boolean deactivating;

  @Activate
  public ControllerConfigComponent(ControllerConfiguration config,
      @Reference PlatformComponent platform) {
    Map<String, String> options = new HashMap<>(
        ControllerConfig.parseOptions(config.transportOptions()));
    options.put("keepalive", Boolean.toString(config.keepalive()));
    options.put("maxIoQueues", Integer.toString(config.maxIoQueues()));
    options.put("ioQueueEntries", Integer.toString(config.ioQueueEntries()));
    options.put("commandTimeoutMillis", Long.toString(config.commandTimeoutMillis()));
    options.put("cpuCount", Integer.toString(config.cpuCount()));
    options.put("owner", config.owner());
    options.put(PlatformConnector.PERSISTENT, "true");
    // Validates the options now, so a bad file is reported when it is read.
    PlatformConnector.config("nvme0", config.transport(), options);
    this.request = new ConnectRequest(config.transport(), options,
        config.owner().isEmpty() ? null : config.owner());
    this.manager = platform.manager().orElseThrow(
        () -> new IllegalStateException(platform.managerFailure()));
    this.connector = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "jnvme-connect-" + config.transport());
      t.setDaemon(true);
      return t;
    });
    this.connecting = connector.submit(this::connect);
  }

  private void connect() {
    try {
      ManagedController mc = manager.connect(request);
      name = mc.name();
      LOG.info("controller from configuration connected controller={} owner={}", mc.name(),
          mc.owner());
    } catch (ConnectFailedException e) {
      if (deactivating) {
        LOG.info("connect abandoned, the configuration went away: {}", e.getMessage());
      } else {
        LOG.error("controller from configuration not connected: {}", e.getMessage());
      }
    }
  }

  static Path stateDir(BundleContext context) {
    String dir = context.getProperty(STATE_DIR);
    return dir != null && !dir.isBlank()
        ? Path.of(dir)
        : Path.of(System.getProperty("java.io.tmpdir"), "jnvme-state");
  }

  @Deactivate
  void deactivate() {
    deactivating = true;
    String n = name;
    if (n != null) {
      try {
        manager.disconnect(n);
      } catch (UnknownControllerException e) {
        LOG.info("controller {} was already disconnected", n);
      }
    }
    connecting.cancel(true);
    connector.shutdownNow();
  }
}
