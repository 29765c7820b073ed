package io.jnvme.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import io.jnvme.manager.ControllerView;
import io.jnvme.manager.PlatformControllers;
import io.jnvme.manager.Servicing;
import io.jnvme.manager.ServicingReport;
import io.jnvme.transport.emulated.EmulatedController;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Issue 5 in a real Felix: controllers from configuration, the keepalive allocator policy,
 * allocator hot-swap under I/O, and servicing by a driver bundle update under a verifying
 * workload, with and without keepalive. Each test gets a fresh framework.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class PlatformServicingIT extends NvmeTestSupport {
  private static final String NVME0 = "(" + NvmeController.NAME + "=nvme0)";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Inject private BundleContext context;

  @Configuration
  public Option[] config() {
    return platform();
  }

  private void startPagePool() throws Exception {
    configurePagePool(context, "itest");
    bundleNamed(context, "io.jnvme.dma.pagepool").start();
  }

  private PlatformControllers platformView() throws Exception {
    return awaitService(context, PlatformControllers.class, "");
  }

  private static Predicate<List<ControllerView>> nvme0(Predicate<ControllerView> p) {
    return cs -> cs.stream().anyMatch(c -> c.name().equals("nvme0") && p.test(c));
  }

  private ServiceTracker<NvmeController, NvmeController> nvme0Tracker() throws Exception {
    ServiceTracker<NvmeController, NvmeController> t = new ServiceTracker<>(context,
        FrameworkUtil.createFilter("(&(objectClass=" + NvmeController.class.getName() + ")"
            + NVME0 + ")"), null);
    t.open();
    return t;
  }

  private void io(NvmeController c, NamespaceHandle h, MemoryBlock buf, int cpu)
      throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    ConcurrentLinkedQueue<NvmeException> errors = new ConcurrentLinkedQueue<>();
    h.submitWrite(cpu, cpu * 8L, 8, buf, 0, false, (ctx, e) -> {
      if (e != null) {
        errors.add(e);
      }
      done.countDown();
    }, cpu);
    assertTrue("I/O on cpu " + cpu + " completed", done.await(10, TimeUnit.SECONDS));
    assertTrue(errors.toString(), errors.isEmpty());
  }

  @Test
  public void keepaliveWithOnlyLockmemFailsNamingItUntilThePagePoolStarts() throws Exception {
    configureController(context, "nvme0", Map.of("keepalive", true));
    PlatformControllers view = platformView();
    assertTrue("nvme0 FAILED naming lockmem: " + view.controllers(), view.await(nvme0(
        c -> c.phase().equals("FAILED") && c.failure().contains("'lockmem'")), WAIT));
    startPagePool();
    assertTrue("nvme0 started on the page pool: " + view.controllers(),
        view.await(nvme0(c -> c.phase().equals("RUNNING")), WAIT));
    NvmeController c = awaitService(context, NvmeController.class, NVME0);
    assertEquals("pagepool", c.status().ioQueues().get(0).allocator());
  }

  @Test
  public void pagePoolStoppedUnderIoFallsBackAndIsUsedAgainWhenBack() throws Exception {
    startPagePool();
    configureController(context, "nvme0", Map.of("keepalive", true, "cpuCount", 4));
    NvmeController c = awaitService(context, NvmeController.class, NVME0);
    try (NamespaceHandle h = c.open(1, "itest")) {
      MemoryBlock buf = c.allocateBuffer(4096);
      io(c, h, buf, 0);
      Bundle pool = bundleNamed(context, "io.jnvme.dma.pagepool");
      pool.stop();
      io(c, h, buf, 0);
      io(c, h, buf, 1);
      assertTrue("a CPU without a queue fell back", c.status().fallbackCount() > 0);
      pool.start();
      awaitService(context, io.jnvme.device.DmaClientProvider.class, "(dma.name=pagepool)");
      io(c, h, buf, 2);
      var queues = c.status().ioQueues();
      assertEquals("the next new queue uses the page pool", "pagepool",
          queues.get(queues.size() - 1).allocator());
      assertEquals(2, queues.size());
    }
  }

  @Test
  public void swappingAllocatorsUnderIoWithoutKeepaliveGivesNoError() throws Exception {
    startPagePool();
    configureController(context, "nvme0", Map.of("cpuCount", 4));
    NvmeController c = awaitService(context, NvmeController.class, NVME0);
    Bundle pool = bundleNamed(context, "io.jnvme.dma.pagepool");
    Bundle lock = bundleNamed(context, "io.jnvme.dma.lockmem");
    try (NamespaceHandle h = c.open(1, "itest")) {
      MemoryBlock buf = c.allocateBuffer(4096);
      int cpu = 0;
      for (Runnable swap : List.<Runnable>of(
          () -> stop(pool), () -> start(pool), () -> stop(lock), () -> start(lock))) {
        io(c, h, buf, cpu++ % 4);
        swap.run();
        io(c, h, buf, cpu++ % 4);
      }
      assertEquals(0, c.status().asyncEventFailure() == null ? 0 : 1);
    }
  }

  private static void stop(Bundle b) {
    try {
      b.stop();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void start(Bundle b) {
    try {
      b.start();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  public void driverUpdateUnderWorkloadWithKeepaliveLosesNothingAndDoesNotReset()
      throws Exception {
    startPagePool();
    configureController(context, "nvme0", Map.of("keepalive", true));
    servicingUnderWorkload(true);
  }

  @Test
  public void driverUpdateUnderWorkloadWithoutKeepaliveReinitialisesWithoutErrors()
      throws Exception {
    configureController(context, "nvme0", Map.of());
    servicingUnderWorkload(false);
  }

  private void servicingUnderWorkload(boolean keepalive) throws Exception {
    awaitService(context, NvmeController.class, NVME0);
    EmulatedController emu = awaitService(context, EmulatedController.class,
        "(controller.name=nvme0)");
    Servicing servicing = awaitService(context, Servicing.class, "");
    ServiceTracker<NvmeController, NvmeController> tracker = nvme0Tracker();
    VerifyingWorkload w = new VerifyingWorkload(tracker);
    w.start();
    try {
      w.awaitMore(200);
      long resets = emu.resetCount();
      ServicingReport report = servicing.service(Optional.empty());
      w.awaitMore(200);
      w.stop();
      w.verifyAll();
      var nvme0 = report.controllers().get(0);
      System.out.printf("[jnvme-itest] keepalive=%b servicing pauseUs=%d totalMs=%d lastStart=%s"
          + " ops=%d retriedCalls=%d resetsDuringServicing=%d%n", keepalive, nvme0.pauseMicros(),
          report.totalMillis(), nvme0.lastStart(), w.ops.get(), w.retries.get(),
          emu.resetCount() - resets);
      assertEquals("errors", List.of(), w.errors);
      assertEquals("mismatches", 0, w.mismatches.get());
      if (keepalive) {
        assertEquals("restored", nvme0.lastStart());
        assertEquals("controller reset count unchanged", resets, emu.resetCount());
      } else {
        assertEquals("cold", nvme0.lastStart());
        assertTrue("controller re-initialised", emu.resetCount() > resets);
      }
    } finally {
      w.stop();
      tracker.close();
    }
  }
}
