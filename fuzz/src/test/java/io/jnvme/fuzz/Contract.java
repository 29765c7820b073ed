package io.jnvme.fuzz;

import io.jnvme.driver.ControllerStartException;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The driver contract every fuzz test asserts: only typed {@link NvmeException}s reach callers, no
 * unchecked exception escapes on any thread, nothing hangs (every wait here is bounded), the
 * driver's safety nets for its own bugs never fire, and a closed controller leaves no thread
 * behind.
 */
final class Contract {
  private static final ConcurrentLinkedQueue<Throwable> UNCAUGHT = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger NEXT = new AtomicInteger();

  static {
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> UNCAUGHT.add(
        new AssertionError("uncaught exception on thread " + t.getName(), e)));
  }

  private Contract() {}

  /** A controller name used by nothing else in this JVM, so its threads can be told apart. */
  static String uniqueName(String prefix) {
    return prefix + NEXT.incrementAndGet();
  }

  interface Call<T> {
    T run() throws Exception;
  }

  interface VoidCall {
    void run() throws Exception;
  }

  /** Runs a driver call: a typed error is an allowed outcome (null), anything else a finding. */
  static <T> T call(String what, Call<T> c) {
    try {
      return c.run();
    } catch (NvmeException e) {
      checkTyped(what, e);
      return null;
    } catch (RuntimeException | Error e) {
      throw new AssertionError(what + ": unchecked exception reached the caller", e);
    } catch (Exception e) {
      throw new AssertionError(what + ": undeclared checked exception", e);
    }
  }

  static boolean run(String what, VoidCall c) {
    return call(what, () -> {
      c.run();
      return Boolean.TRUE;
    }) != null;
  }

  /** A typed error that only wraps an unchecked exception is the driver's safety net firing. */
  static void checkTyped(String what, NvmeException e) {
    if (e instanceof ControllerStartException && e.getCause() instanceof RuntimeException) {
      throw new AssertionError(what + ": bring-up threw an unchecked exception internally", e);
    }
  }

  /** After each iteration: the controller's own safety nets must not have fired. */
  static void checkController(NvmeController c) {
    String failure = c.status().failure();
    if (failure != null && failure.contains("completion processing failed")) {
      throw new AssertionError("the completion path threw internally: " + failure);
    }
  }

  /** Fails with the first exception that went uncaught on any thread since the last call. */
  static void checkUncaught() {
    Throwable t = UNCAUGHT.poll();
    UNCAUGHT.clear();
    if (t != null) {
      throw (AssertionError) t;
    }
  }

  /** Waits (bounded) until no thread whose name starts with one of {@code prefixes} is alive. */
  static void checkThreadsGone(Duration within, String... prefixes) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      List<String> alive = Thread.getAllStackTraces().keySet().stream()
          .filter(Thread::isAlive)
          .map(Thread::getName)
          .filter(n -> List.of(prefixes).stream().anyMatch(n::startsWith))
          .toList();
      if (alive.isEmpty()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("threads still alive after close: " + alive);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }
}
