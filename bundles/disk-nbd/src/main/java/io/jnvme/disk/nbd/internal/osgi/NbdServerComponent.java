package io.jnvme.disk.nbd.internal.osgi;

import io.jnvme.disk.BlockDevice;
import io.jnvme.disk.nbd.internal.NbdExport;
import io.jnvme.disk.nbd.internal.NbdServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link NbdServer}: listens on 127.0.0.1:10809 and a Unix socket by default, exports
 * the {@link BlockDevice} services as configuration says (by default every device under its own
 * name), and prints each export's NBD URIs when it appears. Also the {@code nbd:list} Gogo
 * command.
 *
 * <p>The framework properties {@code jnvme.nbd.address}, {@code jnvme.nbd.port} and
 * {@code jnvme.nbd.socket} override the configured addresses. The URIs go to the logger
 * {@value #URI_LOGGER}, which the platform's logging configuration shows on the console.
 */
@Component(
    configurationPid = NbdServerComponent.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL,
    service = NbdServerComponent.class,
    immediate = true,
    property = {"osgi.command.scope=nbd", "osgi.command.function=list"})
@Designate(ocd = NbdServerConfiguration.class)
public final class NbdServerComponent {
  /** The configuration PID. */
  public static final String PID = "io.jnvme.disk.nbd";
  /** The logger that announces exports and their URIs. */
  public static final String URI_LOGGER = "io.jnvme.nbd.uris";

  private static final Logger LOG = LoggerFactory.getLogger(NbdServerComponent.class);
  private static final Logger URIS = LoggerFactory.getLogger(URI_LOGGER);

  private final NbdServer server;
  private final List<ExportRule> rules;

  @Activate
  public NbdServerComponent(BundleContext context, NbdServerConfiguration config) {
    this.rules = ExportRule.parseAll(config.exports());
    this.server = new NbdServer(NbdServer.Limits.defaults()
        .withMaxConnections(config.maxConnections())
        .withHandshakeTimeout(Duration.ofSeconds(Math.max(1, config.handshakeTimeoutSeconds()))));
    if (!config.defaultExport().isEmpty()) {
      server.defaultExport(config.defaultExport());
    }
    String address = property(context, "jnvme.nbd.address", config.address());
    if (!address.isBlank()) {
      try {
        int port = Integer.parseInt(property(context, "jnvme.nbd.port",
            Integer.toString(config.port())));
        server.listen(new InetSocketAddress(address.strip(), port));
      } catch (IOException | IllegalArgumentException e) {
        LOG.warn("NBD over TCP is off: {}", e.getMessage());
      }
    }
    Path unix = unixSocket(context, property(context, "jnvme.nbd.socket", config.unixSocket()));
    if (unix != null) {
      try {
        server.listen(UnixDomainSocketAddress.of(unix));
      } catch (IOException | IllegalArgumentException e) {
        LOG.warn("NBD over a Unix socket is off: {}", e.getMessage());
      }
    }
  }

  /**
   * A framework (or system) property, if set, overrides the configuration: so a second platform
   * on one machine can be started on other addresses ({@code -Djnvme.nbd.port=10810}).
   */
  private static String property(BundleContext context, String key, String configured) {
    String v = context.getProperty(key);
    return v != null ? v : configured;
  }

  private static Path unixSocket(BundleContext context, String configured) {
    String s = configured.strip();
    if (s.equals("none")) {
      return null;
    }
    if (!s.isEmpty()) {
      return Path.of(s);
    }
    String home = context.getProperty("jnvme.home");
    return home == null || home.isBlank() ? null : Path.of(home, "nbd.sock");
  }

  @Reference(name = "device", service = BlockDevice.class,
      cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      unbind = "unbindDevice")
  void bindDevice(BlockDevice device, Map<String, Object> properties) {
    for (NbdExport e : exportsOf(device)) {
      server.putExport(e);
      URIS.info("NBD export {} ({} bytes, {}-byte blocks{}): {}", e.name(),
          device.size(), device.blockSize(), e.effectivelyReadOnly() ? ", read-only" : "",
          String.join("  ", server.uris(e.name())));
    }
  }

  void unbindDevice(BlockDevice device, Map<String, Object> properties) {
    for (NbdExport e : exportsOf(device)) {
      NbdExport now = server.exports().get(e.name());
      if (now != null && now.device() == device) {
        server.removeExport(e.name());
        LOG.info("NBD export {} withdrawn", e.name());
      }
    }
  }

  private List<NbdExport> exportsOf(BlockDevice device) {
    List<NbdExport> l = new ArrayList<>();
    if (rules.isEmpty()) {
      l.add(NbdExport.of(device));
      return l;
    }
    for (ExportRule r : rules) {
      if (r.device().equals(device.name())) {
        l.add(new NbdExport(r.export(), NbdExport.describe(device), device,
            r.readOnly() || device.readOnly()));
      }
    }
    return l;
  }

  /** The server (for tests). */
  NbdServer server() {
    return server;
  }

  @Deactivate
  void deactivate() {
    server.close();
  }

  /**
   * {@code nbd:list}: every export with its size, block size, mode, connections and URIs.
   *
   * <p>Output goes to {@code System.out}, which Gogo routes to the calling session.
   */
  public void list() {
    Map<String, NbdExport> exports = server.exports();
    System.out.printf("%-16s %14s %6s %-3s %5s  %s%n", "Export", "Size", "Block", "RO",
        "Conns", "URIs");
    for (NbdExport e : exports.values()) {
      BlockDevice d = e.device();
      System.out.printf("%-16s %14d %6d %-3s %5d  %s%n", e.name(), d.size(), d.blockSize(),
          e.effectivelyReadOnly() ? "yes" : "no", server.connectionCount(e.name()),
          String.join("  ", server.uris(e.name())));
    }
    if (exports.isEmpty()) {
      System.out.println("(no exports)");
    }
  }
}
