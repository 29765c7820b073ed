package io.jnvme.itest;

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
        staged("transport-emulated"));
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
