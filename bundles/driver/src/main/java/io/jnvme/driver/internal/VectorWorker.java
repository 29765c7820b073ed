package io.jnvme.driver.internal;

import io.jnvme.device.DeviceInterrupt;
import io.jnvme.driver.CompletionBatch;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread behind one interrupt vector: waits for the vector, then reaps every completion queue
 * attached to it. It wakes on its own every tick as well, to time out commands and to notice a
 * dead controller even when the device stays silent.
 */
final class VectorWorker implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(VectorWorker.class);

  private final String controller;
  private final DeviceInterrupt interrupt;
  private final long tickMillis;
  private final Thread thread;
  private volatile QueuePair[] queues = new QueuePair[0];
  private volatile boolean running = true;
  /** This thread's completion batch; set when the thread starts. */
  private CompletionBatch batch;
  /** A deferred task's failure is the user's bug: reported, never the controller's failure. */
  private final java.util.function.Consumer<RuntimeException> deferredFailed;
  /** A task run between passes at most every {@link #periodicNanos}; see {@link #periodic}. */
  private volatile Runnable periodic;
  private volatile long periodicNanos;
  private long nextPeriodic;
  /** Pause protocol, guarded by {@code this}: requested by save, acknowledged by the thread. */
  private boolean pauseRequested;
  private boolean pausedAck;

  VectorWorker(String controller, DeviceInterrupt interrupt, long tickMillis) {
    this.controller = controller;
    this.interrupt = interrupt;
    this.tickMillis = tickMillis;
    this.deferredFailed = e -> LOG.error(
        "a task deferred by a completion callback failed controller={}", controller, e);
    this.thread = new Thread(this, controller + "-irq" + interrupt.vector());
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  int vector() {
    return interrupt.vector();
  }

  /** Attaches a queue; its completions are reaped by this thread from now on. */
  synchronized void attach(QueuePair q) {
    q.worker = thread;
    QueuePair[] next = Arrays.copyOf(queues, queues.length + 1);
    next[next.length - 1] = q;
    queues = next;
    interrupt.wake();
  }

  synchronized void detach(QueuePair q) {
    queues = Arrays.stream(queues).filter(x -> x != q).toArray(QueuePair[]::new);
  }

  /**
   * Runs {@code task} on this thread between passes, about every {@code intervalNanos} (the
   * thread wakes at least every tick). The admin vector's worker checks the controller's health
   * this way, so that a controller does not need a thread of its own for it.
   */
  void periodic(Runnable task, long intervalNanos) {
    periodicNanos = intervalNanos;
    nextPeriodic = System.nanoTime() + intervalNanos;
    periodic = task;
    interrupt.wake();
  }

  int queueCount() {
    return queues.length;
  }

  /**
   * Tells the thread to end, without waiting; {@link #awaitStop} waits. Unless paused first, it
   * reaps once more on the way out (to fail what is outstanding); a paused worker ends without
   * touching its queues or waiting on its interrupt again.
   */
  void requestStop() {
    running = false;
    synchronized (this) {
      notifyAll();
    }
    interrupt.wake();
  }

  /** Waits (at most 10 s) for the thread to end after {@link #requestStop}. */
  void awaitStop() {
    if (Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Asks the thread to stop reaping at its next pass, without waiting; {@link #awaitPaused} waits
   * until it is between passes, so that queue state is still.
   */
  void requestPause() {
    synchronized (this) {
      pauseRequested = true;
    }
    interrupt.wake();
  }

  /**
   * Waits until the thread acknowledged {@link #requestPause} (or ended); at once on the worker
   * thread itself.
   */
  void awaitPaused() {
    if (Thread.currentThread() == thread) {
      return;
    }
    synchronized (this) {
      while (!pausedAck && thread.isAlive() && running) {
        try {
          wait(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Stops all of {@code workers}: all are told first, so their wake-ups overlap. */
  static void stopAll(java.util.Collection<VectorWorker> workers) {
    workers.forEach(VectorWorker::requestStop);
    workers.forEach(VectorWorker::awaitStop);
  }

  /** Pauses all of {@code workers}, asking all before waiting for any. */
  static void pauseAll(java.util.Collection<VectorWorker> workers) {
    workers.forEach(VectorWorker::requestPause);
    workers.forEach(VectorWorker::awaitPaused);
  }

  /** Lets the thread reap again. */
  synchronized void resume() {
    pauseRequested = false;
    notifyAll();
  }

  /** True if the worker was paused when it was stopped: it must not touch the queues again. */
  private synchronized boolean pausedAckOnce() {
    return pauseRequested;
  }

  private void pausePoint() {
    synchronized (this) {
      if (!pauseRequested) {
        return;
      }
      pausedAck = true;
      notifyAll();
      while (pauseRequested && running) {
        try {
          wait(50);
        } catch (InterruptedException e) {
          Thread.interrupted();
        }
      }
      pausedAck = false;
    }
  }

  private void runPeriodic() {
    Runnable task = periodic;
    if (task == null) {
      return;
    }
    long now = System.nanoTime();
    if (now - nextPeriodic < 0) {
      return;
    }
    nextPeriodic = now + periodicNanos;
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("periodic task failed controller={} vector={}", controller, interrupt.vector(), e);
    }
  }

  @Override
  public void run() {
    batch = CompletionBatch.ofCurrentThread();
    while (true) {
      pausePoint();
      if (!running && pausedAckOnce()) {
        return;
      }
      boolean last = !running;
      // Callbacks may defer work to the end of the pass (a write of every reply ready at once).
      batch.begin();
      for (QueuePair q : queues) {
        try {
          q.process();
        } catch (RuntimeException e) {
          // Nothing a device returns may kill this thread; a bug here is reported and the
          // controller is failed rather than left hanging.
          LOG.error("completion processing failed controller={} qid={}", controller, q.qid, e);
          q.ctrl.deviceFault(q, "completion processing failed: " + e);
        }
      }
      batch.end(deferredFailed);
      if (last) {
        return;
      }
      runPeriodic();
      try {
        interrupt.await(tickMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        // Only stop() ends the worker; an interrupt just causes another pass.
        Thread.interrupted();
      }
    }
  }
}
