package io.jnvme.itest;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Writes a fresh value to a random block, reads it back and checks it, again and again, through
 * whatever {@code nvme0} controller service is current. A controller that was replaced
 * (servicing) or shut down is re-acquired and the operation retried: callers see a pause, not an
 * error. Every other failure is counted as an error, every wrong read as a mismatch.
 */
final class VerifyingWorkload implements Runnable {
  private static final int BLOCKS = 4096;
  private final ServiceTracker<NvmeController, NvmeController> tracker;
  private final long[] expected = new long[BLOCKS];
  private final Thread thread = new Thread(this, "itest-workload");
  final AtomicLong ops = new AtomicLong();
  final AtomicLong retries = new AtomicLong();
  final AtomicLong mismatches = new AtomicLong();
  final List<String> errors = new CopyOnWriteArrayList<>();
  private volatile boolean stop;

  VerifyingWorkload(ServiceTracker<NvmeController, NvmeController> tracker) {
    this.tracker = tracker;
  }

  void start() {
    thread.start();
  }

  /** Waits until {@code n} more operations have completed (bounded). */
  void awaitMore(long n) throws InterruptedException {
    long target = ops.get() + n;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (ops.get() < target && System.nanoTime() < deadline && thread.isAlive()) {
      synchronized (this) {
        wait(10);
      }
    }
    if (ops.get() < target) {
      throw new AssertionError("workload made no progress: ops=" + ops + " errors=" + errors);
    }
  }

  void stop() throws InterruptedException {
    stop = true;
    thread.join(TimeUnit.SECONDS.toMillis(30));
  }

  @Override
  public void run() {
    Random r = new Random(1);
    long seq = 0;
    try {
      loop(r, seq);
    } finally {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  private NamespaceHandle handle;

  private void loop(Random r, long seq) {
    NvmeController ctrl = null;
    NamespaceHandle h = null;
    MemoryBlock buf = null;
    while (!stop) {
      try {
        NvmeController now = tracker.waitForService(1000);
        if (now == null) {
          retries.incrementAndGet();
          continue;
        }
        if (now != ctrl) {
          if (h != null) {
            h.close();
          }
          ctrl = now;
          h = ctrl.open(1, "itest-workload");
          handle = h;
          buf = ctrl.allocateBuffer(8192);
        }
        int block = r.nextInt(BLOCKS);
        long value = ++seq;
        for (int i = 0; i < 512; i += 8) {
          buf.putLong(i, value ^ i);
        }
        h.write(block, 1, buf, 0, false);
        expected[block] = value;
        h.read(block, 1, buf, 4096);
        for (int i = 0; i < 512; i += 8) {
          if (buf.getLong(4096 + i) != (value ^ i)) {
            mismatches.incrementAndGet();
            break;
          }
        }
        ops.incrementAndGet();
        synchronized (this) {
          notifyAll();
        }
      } catch (ControllerFailedException e) {
        if (e.reason() == ControllerFailedException.Reason.SERVICED
            || e.reason() == ControllerFailedException.Reason.SHUT_DOWN) {
          retries.incrementAndGet();
          ctrl = null;
          h = null;
        } else {
          errors.add(e.toString());
        }
      } catch (NamespaceException e) {
        if (e.reason() == NamespaceException.Reason.CLOSED) {
          retries.incrementAndGet();
          ctrl = null;
          h = null;
        } else {
          errors.add(e.toString());
        }
      } catch (NvmeException | RuntimeException e) {
        errors.add(e.toString());
      } catch (InterruptedException e) {
        break;
      }
    }
    if (handle != null) {
      handle.close();
    }
  }

  /** Reads every block written and checks its last value: nothing acknowledged was lost. */
  void verifyAll() throws Exception {
    NvmeController c = tracker.waitForService(30_000);
    try (NamespaceHandle h = c.open(1, "itest-verify")) {
      MemoryBlock buf = c.allocateBuffer(4096);
      for (int block = 0; block < BLOCKS; block++) {
        if (expected[block] == 0) {
          continue;
        }
        h.read(block, 1, buf, 0);
        if (buf.getLong(0) != expected[block]) {
          mismatches.incrementAndGet();
        }
      }
    }
  }
}
