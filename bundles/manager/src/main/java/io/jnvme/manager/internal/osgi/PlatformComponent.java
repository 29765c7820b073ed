package io.jnvme.manager.internal.osgi;

import io.jnvme.manager.ControllerServicing;
import io.jnvme.manager.ControllerView;
import io.jnvme.manager.PlatformControllers;
import java.time.Duration;
import java.util.function.Predicate;
import io.jnvme.manager.Servicing;
import io.jnvme.manager.ServicingException;
import io.jnvme.manager.ServicingReport;
import io.jnvme.manager.internal.platform.ConfiguredController;
import io.jnvme.manager.internal.platform.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's configured controllers, and servicing: the driver bundle is updated (from a new
 * jar or reloaded) and refreshed; while its factory service is gone every configured controller
 * saves itself (keepalive) or shuts down, and when it is back they are restored or started.
 * Lives in the manager bundle because it must outlast the driver bundle it replaces.
 */
@Component(service = {PlatformComponent.class, Servicing.class, PlatformControllers.class},
    immediate = true)
public final class PlatformComponent implements Servicing, PlatformControllers {
  /** Symbolic name of the bundle servicing replaces. */
  public static final String DRIVER_BSN = "io.jnvme.driver";
  private static final Logger LOG = LoggerFactory.getLogger(PlatformComponent.class);
  private static final long SETTLE_MILLIS = 60_000;

  private final BundleContext context;
  private final Platform platform = new Platform();
  private volatile ServicingReport last;

  @Activate
  public PlatformComponent(BundleContext context) {
    this.context = context;
  }

  public Platform platform() {
    return platform;
  }

  @Override
  public List<ControllerView> controllers() {
    return platform.controllers().stream().map(ConfiguredController::view).toList();
  }

  @Override
  public boolean await(Predicate<List<ControllerView>> condition, Duration timeout)
      throws InterruptedException {
    return platform.await(cs -> condition.test(cs.stream().map(ConfiguredController::view)
        .toList()), timeout.toMillis());
  }

  @Override
  public Optional<ServicingReport> last() {
    return Optional.ofNullable(last);
  }

  @Override
  public synchronized ServicingReport service(Optional<Path> driverJar) throws ServicingException {
    Bundle driver = null;
    for (Bundle b : context.getBundles()) {
      if (DRIVER_BSN.equals(b.getSymbolicName())) {
        driver = b;
      }
    }
    if (driver == null) {
      throw new ServicingException("no bundle " + DRIVER_BSN + " is installed", null);
    }
    Instant at = Instant.now();
    long t0 = System.nanoTime();
    String from = driver.getVersion().toString();
    LOG.info("servicing starts driver={} from={} jar={}", DRIVER_BSN, from,
        driverJar.map(Path::toString).orElse("(reload)"));
    try {
      // Stop, update, refresh, start: one save and one restore. (An update of an active bundle
      // restarts it, and the refresh would restart it a second time.)
      driver.stop(Bundle.STOP_TRANSIENT);
      if (driverJar.isPresent()) {
        try (InputStream in = Files.newInputStream(driverJar.get())) {
          driver.update(in);
        }
      } else {
        driver.update();
      }
      refresh(driver);
      driver.start(Bundle.START_TRANSIENT);
      if (!platform.awaitSettled(SETTLE_MILLIS)) {
        throw new ServicingException("controllers did not come back within " + SETTLE_MILLIS
            + " ms", null);
      }
    } catch (BundleException | IOException e) {
      throw new ServicingException("driver update failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServicingException("interrupted while servicing", e);
    }
    List<ControllerServicing> per = new ArrayList<>();
    for (ConfiguredController c : platform.controllers()) {
      ControllerServicing s = c.lastServicing();
      per.add(s != null ? s : new ControllerServicing(c.config().name(), c.config().keepalive(),
          "not serviced (" + c.phase() + ")", 0, c.failure()));
    }
    ServicingReport report = new ServicingReport(at, from, driver.getVersion().toString(),
        (System.nanoTime() - t0) / 1_000_000, List.copyOf(per));
    last = report;
    LOG.info("servicing done totalMs={} controllers={}", report.totalMillis(), per);
    if (!report.ok()) {
      throw new ServicingException("controllers did not come back: " + per, null);
    }
    return report;
  }

  /** Refreshes the updated bundle so its old revision goes away; waits for the refresh. */
  private void refresh(Bundle driver) throws InterruptedException, ServicingException {
    FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
    CountDownLatch done = new CountDownLatch(1);
    wiring.refreshBundles(List.of(driver), e -> {
      if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
        done.countDown();
      }
    });
    if (!done.await(SETTLE_MILLIS, TimeUnit.MILLISECONDS)) {
      throw new ServicingException("refresh of " + DRIVER_BSN + " did not finish", null);
    }
  }
}
