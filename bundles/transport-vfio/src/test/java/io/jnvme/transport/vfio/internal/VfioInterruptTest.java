package io.jnvme.transport.vfio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One vector on a real eventfd, raised as the kernel raises it: a write to the eventfd. */
class VfioInterruptTest {
  private final FakeKernel sys = new FakeKernel();
  private int fd;
  private VfioInterrupt irq;

  @BeforeEach
  void setUp() throws Exception {
    fd = sys.eventfd();
    irq = new VfioInterrupt(sys, 3, fd, new IrqAffinity(Path.of("/nonexistent"),
        PciAddress.parse("0000:01:00.0")));
  }

  @AfterEach
  void tearDown() {
    irq.close();
  }

  private void raise() throws SysCallException {
    sys.eventfdWrite(fd, 1);
  }

  @Test
  void aSignalWhileNobodyWaitsIsRemembered() throws Exception {
    raise();
    raise();
    assertTrue(irq.await(0, TimeUnit.SECONDS));
    assertFalse(irq.await(0, TimeUnit.SECONDS), "two raises, one pending signal: consumed");
  }

  @Test
  void aWaiterBlocksWithoutSpinningAndWakesOnTheVector() throws Exception {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    AtomicLong cpuNanos = new AtomicLong();
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Boolean> fired = CompletableFuture.supplyAsync(() -> {
      long c0 = mx.getCurrentThreadCpuTime();
      started.countDown();
      try {
        return irq.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      } finally {
        cpuNanos.set(mx.getCurrentThreadCpuTime() - c0);
      }
    });
    started.await();
    long t0 = System.nanoTime();
    // Let the waiter sit in poll for 400 ms: a spinning waiter would burn about that much CPU.
    assertFalse(waitDone(fired, 400));
    raise();
    assertTrue(fired.get(5, TimeUnit.SECONDS));
    long wall = System.nanoTime() - t0;
    assertTrue(wall >= TimeUnit.MILLISECONDS.toNanos(390), "it waited for the vector");
    assertTrue(cpuNanos.get() < TimeUnit.MILLISECONDS.toNanos(100),
        "CPU used while waiting 400 ms: " + cpuNanos.get() / 1_000_000 + " ms");
  }

  @Test
  void wakeUnblocksAWaiterAsTheVectorWould() throws Exception {
    CompletableFuture<Boolean> fired = CompletableFuture.supplyAsync(() -> {
      try {
        return irq.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertFalse(waitDone(fired, 50));
    long t0 = System.nanoTime();
    irq.wake();
    assertTrue(fired.get(5, TimeUnit.SECONDS));
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "woken at once");
    irq.wake();
    assertTrue(irq.await(0, TimeUnit.SECONDS), "a wake with nobody waiting is remembered too");
  }

  @Test
  void theTimeoutIsKept() throws Exception {
    long t0 = System.nanoTime();
    assertFalse(irq.await(120, TimeUnit.MILLISECONDS));
    long took = System.nanoTime() - t0;
    assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(115) && took < TimeUnit.SECONDS.toNanos(2),
        "took " + took / 1_000_000 + " ms");
  }

  @Test
  void anInterruptedWaiterGetsInterruptedException() throws Exception {
    CompletableFuture<Thread> waiter = new CompletableFuture<>();
    CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
      waiter.complete(Thread.currentThread());
      try {
        irq.await(30, TimeUnit.SECONDS);
        return null;
      } catch (InterruptedException e) {
        return e;
      }
    });
    Thread t = waiter.get(5, TimeUnit.SECONDS);
    assertFalse(waitDone(outcome, 50));
    long t0 = System.nanoTime();
    t.interrupt();
    assertTrue(outcome.get(5, TimeUnit.SECONDS) instanceof InterruptedException);
    assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(
        VfioInterrupt.SLICE_MILLIS + 500), "noticed within one poll slice");
    Thread.currentThread().interrupt();
    assertThrows(InterruptedException.class, () -> irq.await(1, TimeUnit.SECONDS));
  }

  @Test
  void closeReleasesAWaiterAndTheEventfd() throws Exception {
    CompletableFuture<Long> woke = CompletableFuture.supplyAsync(() -> {
      try {
        irq.await(300, TimeUnit.MILLISECONDS);
        return System.nanoTime();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertFalse(waitDone(woke, 50));
    long t0 = System.nanoTime();
    irq.close();
    long closedAt = System.nanoTime();
    assertTrue(closedAt - t0 < TimeUnit.MILLISECONDS.toNanos(500), "close did not wait long");
    woke.get(5, TimeUnit.SECONDS);
    assertEquals(1, sys.logged("close eventfd").size(), "the eventfd is closed, once");
    irq.close();
    assertEquals(1, sys.logged("close eventfd").size());
  }

  private static boolean waitDone(CompletableFuture<?> f, long millis) {
    try {
      f.get(millis, TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (Exception e) {
      return true;
    }
  }
}
