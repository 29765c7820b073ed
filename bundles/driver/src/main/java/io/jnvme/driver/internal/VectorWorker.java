package io.jnvme.driver.internal;

import io.jnvme.device.DeviceInterrupt;
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

  VectorWorker(String controller, DeviceInterrupt interrupt, long tickMillis) {
    this.controller = controller;
    this.interrupt = interrupt;
    this.tickMillis = tickMillis;
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

  int queueCount() {
    return queues.length;
  }

  /** Reaps once more (to fail what is outstanding), then stops the thread and waits for it. */
  void stop() {
    running = false;
    interrupt.wake();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void run() {
    while (true) {
      boolean last = !running;
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
      if (last) {
        return;
      }
      try {
        interrupt.await(tickMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        // Only stop() ends the worker; an interrupt just causes another pass.
        Thread.interrupted();
      }
    }
  }
}
