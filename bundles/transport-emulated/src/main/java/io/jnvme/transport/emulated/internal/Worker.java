package io.jnvme.transport.emulated.internal;

import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's thread: runs due timers (delayed commands, the ready delay) and polls the
 * submission queues. It parks whenever a pass found nothing to do, until a doorbell write
 * {@link #wake() unparks} it or the next timer is due, so an idle controller uses no CPU. The
 * permit of {@link LockSupport#unpark} makes a wake-up between a pass and the park count.
 */
final class Worker implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  /** Back-off after an unexpected failure, so that a failure that repeats cannot spin a core. */
  private static final long FAILURE_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** Work the worker does besides timers: one pass over the queues. */
  interface Poller {
    /** Returns true if the pass did anything, so another pass may find more. */
    boolean poll();
  }

  private record Timer(long deadline, long sequence, Runnable task) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(deadline - o.deadline, 0);
      return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
  }

  private final String controller;
  private final Poller poller;
  private final Thread thread;
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private long timerSequence;
  private volatile boolean running = true;

  Worker(String controller, Poller poller) {
    this.controller = controller;
    this.poller = poller;
    this.thread = new Thread(this, "emu-" + controller);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Makes the worker do a pass soon. Cheap; call it after every doorbell write. */
  void wake() {
    LockSupport.unpark(thread);
  }

  /** Runs {@code task} on the worker after {@code delayNanos}. */
  void schedule(long delayNanos, Runnable task) {
    synchronized (timers) {
      timers.add(new Timer(System.nanoTime() + Math.max(0, delayNanos), timerSequence++, task));
    }
    wake();
  }

  /** Stops the thread and waits up to {@code timeoutMillis} for it to end. */
  void stop(long timeoutMillis) {
    running = false;
    wake();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(timeoutMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        LOG.warn("controller={} worker did not stop within {} ms", controller, timeoutMillis);
      }
    }
    synchronized (timers) {
      timers.clear();
    }
  }

  @Override
  public void run() {
    LOG.debug("controller={} worker started", controller);
    while (running) {
      // A stray interrupt would make every park return at once; the worker has no use for it.
      Thread.interrupted();
      try {
        boolean progress = runDueTimers();
        progress |= poller.poll();
        if (!progress && running) {
          long wait = nanosToNextTimer();
          if (wait < 0) {
            LockSupport.park(this);
          } else if (wait > 0) {
            LockSupport.parkNanos(this, wait);
          }
        }
      } catch (RuntimeException | Error e) {
        // The worker must survive anything a host can make it do; commands already catch their
        // own failures, so this is a bug in the emulator. Keep serving, but never spin on it.
        LOG.error("controller={} worker: unexpected failure, continuing", controller, e);
        LockSupport.parkNanos(this, FAILURE_BACKOFF_NANOS);
      }
    }
    LOG.debug("controller={} worker stopped", controller);
  }

  private boolean runDueTimers() {
    boolean ran = false;
    while (running) {
      Timer t;
      synchronized (timers) {
        t = timers.peek();
        if (t == null || t.deadline - System.nanoTime() > 0) {
          return ran;
        }
        timers.poll();
      }
      ran = true;
      try {
        t.task.run();
      } catch (RuntimeException | LinkageError | AssertionError e) {
        LOG.error("controller={} timer task failed", controller, e);
      }
    }
    return ran;
  }

  /** Nanoseconds to the next timer, 0 if one is due, -1 if there is none. */
  private long nanosToNextTimer() {
    synchronized (timers) {
      Timer t = timers.peek();
      return t == null ? -1 : Math.max(0, t.deadline - System.nanoTime());
    }
  }
}
