package io.jnvme.driver;

import java.util.function.Consumer;

/**
 * The batch of completions a driver's completion thread is delivering now, so that a callback can
 * put work that is cheaper done once per batch (a socket write of every reply ready, a doorbell)
 * off to the batch's end instead of doing it once per completion.
 *
 * <p>A callback calls {@link #defer}: on a completion thread inside a batch, the task runs once
 * when the batch ends, however often it was deferred, and {@code defer} returns true; anywhere
 * else (a synchronous failure delivered on the submitting thread, a driver without batches) it
 * returns false and the caller does the work now. Deferred tasks run on the completion thread, in
 * the order first deferred; like the callback itself, they must be quick and must not block.
 *
 * <p>The driver side: a completion thread takes its batch with {@link #ofCurrentThread}, then
 * calls {@link #begin} and {@link #end} around each pass over its queues. Neither side allocates
 * after the first use on a thread.
 */
public final class CompletionBatch {
  /** Tasks one batch can hold; further distinct tasks run at once ({@code defer} says false). */
  static final int CAPACITY = 32;

  private static final ThreadLocal<CompletionBatch> CURRENT = new ThreadLocal<>();

  private final Runnable[] tasks = new Runnable[CAPACITY];
  private int count;
  private boolean open;

  private CompletionBatch() {}

  /**
   * The calling thread's batch, created on first use: for a driver's completion thread, which
   * brackets its passes with {@link #begin} and {@link #end}.
   */
  public static CompletionBatch ofCurrentThread() {
    CompletionBatch b = CURRENT.get();
    if (b == null) {
      b = new CompletionBatch();
      CURRENT.set(b);
    }
    return b;
  }

  /**
   * Runs {@code task} once at the end of the calling thread's current batch.
   *
   * @return true if deferred; false if the calling thread is not delivering a batch (or the batch
   *     is full), and the caller must do the work itself now
   */
  public static boolean defer(Runnable task) {
    CompletionBatch b = CURRENT.get();
    if (b == null || !b.open) {
      return false;
    }
    for (int i = 0; i < b.count; i++) {
      if (b.tasks[i] == task) {
        return true;
      }
    }
    if (b.count == b.tasks.length) {
      return false;
    }
    b.tasks[b.count++] = task;
    return true;
  }

  /** Starts a batch: until {@link #end}, {@link #defer} on this thread collects tasks. */
  public void begin() {
    open = true;
  }

  /**
   * Ends the batch and runs its deferred tasks. A task that throws does not keep the others from
   * running: its exception goes to {@code failed}.
   */
  public void end(Consumer<RuntimeException> failed) {
    open = false;
    // A task may defer again (a reply finished by the task itself): it then runs at once, as
    // the batch is closed, rather than being lost.
    for (int i = 0; i < count; i++) {
      Runnable t = tasks[i];
      tasks[i] = null;
      try {
        t.run();
      } catch (RuntimeException e) {
        failed.accept(e);
      }
    }
    count = 0;
  }
}
