package io.jnvme.itest;

import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.vmOption;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.options.UrlProvisionOption;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The platform every integration test runs on: the built jnvme bundles and their infrastructure
 * (pax-logging, SCR, Config Admin, Gogo, JNA) in a forked Felix, staged as files in
 * {@code target/bundles} by the build.
 */
public abstract class NvmeTestSupport {
  /** How long to wait for a service that the platform registers at start. */
  protected static final long SERVICE_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(30);

  /** The Pax Exam options: every bundle of the default platform, nothing resolved from Maven. */
  public static Option[] platform() {
    return options(
        junitBundles(),
        vmOption("--enable-native-access=ALL-UNNAMED"),
        systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"),
        staged("pax-logging-api"),
        staged("pax-logging-log4j2"),
        staged("org.osgi.util.function"),
        staged("org.osgi.util.promise"),
        staged("org.osgi.service.component"),
        staged("org.apache.felix.configadmin"),
        staged("org.apache.felix.scr"),
        staged("org.apache.felix.gogo.runtime"),
        staged("org.apache.felix.gogo.command"),
        staged("jna"),
        staged("spec"),
        staged("device-api"),
        staged("driver-api"),
        staged("driver"),
        staged("dma-lockmem"),
        staged("transport-emulated"),
        staged("manager"),
        // Started by the tests that use it, after they configured its pool file.
        staged("dma-pagepool").noStart());
  }

  /** The page pool's configuration: a file of its own per test run, in /dev/shm. */
  protected static void configurePagePool(BundleContext context, String name) throws Exception {
    ConfigurationAdmin ca = context.getService(
        context.getServiceReference(ConfigurationAdmin.class));
    Configuration c = ca.getConfiguration("io.jnvme.dma.pagepool", "?");
    Hashtable<String, Object> p = new Hashtable<>();
    p.put("directory", "/dev/shm");
    p.put("pool.name", name + "-" + ProcessHandle.current().pid());
    p.put("size", 64L << 20);
    c.update(p);
  }

  /**
   * Creates a controller configuration (factory PID {@code io.jnvme.controller}), as a file in
   * {@code etc/} would.
   *
   * @param props extra properties (keepalive, cpuCount, transportOptions, ...)
   */
  protected static Configuration configureController(BundleContext context, String name,
      Map<String, Object> props) throws Exception {
    ConfigurationAdmin ca = context.getService(
        context.getServiceReference(ConfigurationAdmin.class));
    Configuration c = ca.createFactoryConfiguration("io.jnvme.controller", "?");
    Hashtable<String, Object> p = new Hashtable<>(props);
    p.put("name", name);
    p.putIfAbsent("transport", "emulated");
    c.update(p);
    return c;
  }

  /**
   * The default platform's controller, as etc/io.jnvme.controller-nvme0.cfg configures it, unless
   * this framework already has a controller configuration.
   */
  protected static void ensureDefaultController(BundleContext context) throws Exception {
    ConfigurationAdmin ca = context.getService(
        context.getServiceReference(ConfigurationAdmin.class));
    if (ca.listConfigurations("(service.factoryPid=io.jnvme.controller)") == null) {
      configureController(context, "nvme0", Map.of("transportOptions", "namespaces=1:256M,2:64M"));
    }
  }

  /** A bundle by symbolic name. */
  protected static Bundle bundleNamed(BundleContext context, String symbolicName) {
    for (Bundle b : context.getBundles()) {
      if (symbolicName.equals(b.getSymbolicName())) {
        return b;
      }
    }
    throw new AssertionError("no bundle " + symbolicName);
  }

  /** A bundle from the staging directory, by artifact id. */
  static UrlProvisionOption staged(String artifactId) {
    String dir = System.getProperty("bundles.dir", "target/bundles");
    return bundle(new File(dir, artifactId + ".jar").toURI().toString());
  }

  private final List<ServiceTracker<?, ?>> trackers = new ArrayList<>();

  /**
   * Waits for a service of {@code type} that also matches {@code filter} (an LDAP filter, or
   * empty). The service stays got until the test ends: a delayed DS component would otherwise be
   * deactivated under the test's feet.
   *
   * @throws AssertionError naming the filter if it does not appear in time
   */
  protected <T> T awaitService(BundleContext context, Class<T> type, String filter)
      throws InvalidSyntaxException, InterruptedException {
    String full = "(&(objectClass=" + type.getName() + ")" + filter + ")";
    ServiceTracker<T, T> tracker =
        new ServiceTracker<>(context, FrameworkUtil.createFilter(full), null);
    tracker.open();
    trackers.add(tracker);
    T service = tracker.waitForService(SERVICE_TIMEOUT_MS);
    if (service == null) {
      throw new AssertionError("no service " + full + " within " + SERVICE_TIMEOUT_MS + " ms");
    }
    return service;
  }

  /** Lets go of the services the test waited for. */
  @After
  public void closeTrackers() {
    trackers.forEach(ServiceTracker::close);
    trackers.clear();
  }
}
