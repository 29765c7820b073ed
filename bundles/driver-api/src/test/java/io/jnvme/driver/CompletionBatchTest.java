package io.jnvme.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CompletionBatchTest {
  @Test
  void outsideABatchNothingIsDeferred() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    Thread t = new Thread(() -> {
      assertFalse(CompletionBatch.defer(runs::incrementAndGet));
      CompletionBatch b = CompletionBatch.ofCurrentThread();
      b.begin();
      b.end(e -> { });
      assertFalse(CompletionBatch.defer(runs::incrementAndGet), "a closed batch defers nothing");
    });
    t.start();
    t.join();
    assertEquals(0, runs.get());
  }

  @Test
  void aTaskDeferredManyTimesRunsOnceAtTheEndInOrderOfFirstDeferral() {
    CompletionBatch b = CompletionBatch.ofCurrentThread();
    List<String> ran = new ArrayList<>();
    Runnable first = () -> ran.add("first");
    Runnable second = () -> ran.add("second");
    b.begin();
    assertTrue(CompletionBatch.defer(first));
    assertTrue(CompletionBatch.defer(second));
    assertTrue(CompletionBatch.defer(first));
    assertTrue(ran.isEmpty());
    b.end(e -> { });
    assertEquals(List.of("first", "second"), ran);
    b.begin();
    b.end(e -> { });
    assertEquals(2, ran.size(), "a batch runs its tasks once");
  }

  @Test
  void aFailingTaskDoesNotStopTheOthers() {
    CompletionBatch b = CompletionBatch.ofCurrentThread();
    List<RuntimeException> failed = new ArrayList<>();
    AtomicInteger runs = new AtomicInteger();
    b.begin();
    CompletionBatch.defer(() -> {
      throw new IllegalStateException("boom");
    });
    CompletionBatch.defer(runs::incrementAndGet);
    b.end(failed::add);
    assertEquals(1, runs.get());
    assertEquals("boom", failed.get(0).getMessage());
  }

  @Test
  void aFullBatchTellsTheCallerToDoItNow() {
    CompletionBatch b = CompletionBatch.ofCurrentThread();
    AtomicInteger runs = new AtomicInteger();
    b.begin();
    for (int i = 0; i < CompletionBatch.CAPACITY; i++) {
      assertTrue(CompletionBatch.defer(runs::incrementAndGet));
    }
    assertFalse(CompletionBatch.defer(runs::incrementAndGet));
    b.end(e -> { });
    assertEquals(CompletionBatch.CAPACITY, runs.get());
  }
}
