package io.jnvme.disk.nbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class BufferPoolTest {
  @Test
  void sizeClassesArePowersOfTwoFromOnePage() {
    assertEquals(0, BufferPool.classOf(1));
    assertEquals(0, BufferPool.classOf(4096));
    assertEquals(1, BufferPool.classOf(4097));
    assertEquals(13, BufferPool.classOf(32 << 20));
  }

  @Test
  void buffersAreReusedAndTheBudgetHolds() throws Exception {
    BufferPool p = new BufferPool(1 << 20, 1 << 20);
    ByteBuffer a = p.acquire(100);
    assertEquals(100, a.limit());
    assertEquals(4096, a.capacity());
    p.release(a);
    ByteBuffer again = p.acquire(4000);
    assertSame(a, again, "reused");
    p.release(again);
    ByteBuffer big = p.acquire(600 << 10); // 1 MiB class: only fits if the cached page goes
    assertEquals(1 << 20, big.capacity());
    assertTrue(p.allocated() <= 1 << 20, "cached buffers were dropped: " + p.allocated());
  }

  @Test
  void acquireWaitsForAReleaseWhenTheBudgetIsUsed() throws Exception {
    BufferPool p = new BufferPool(64 << 10, 64 << 10);
    ByteBuffer all = p.acquire(64 << 10);
    CompletableFuture<ByteBuffer> waiting = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        waiting.complete(p.acquire(8192));
      } catch (InterruptedException e) {
        waiting.completeExceptionally(e);
      }
    });
    t.start();
    while (t.getState() != Thread.State.WAITING) {
      Thread.onSpinWait();
    }
    assertFalse(waiting.isDone());
    p.release(all);
    assertEquals(8192, waiting.get(5, TimeUnit.SECONDS).capacity());
    assertTrue(p.allocated() <= 64 << 10);
  }

  @Test
  void closeFailsWaiters() throws Exception {
    BufferPool p = new BufferPool(4096, 4096);
    p.acquire(4096);
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        p.acquire(4096);
        failed.complete(null);
      } catch (Throwable e) {
        failed.complete(e);
      }
    });
    t.start();
    while (t.getState() != Thread.State.WAITING) {
      Thread.onSpinWait();
    }
    p.close();
    assertTrue(failed.get(5, TimeUnit.SECONDS) instanceof IllegalStateException);
    assertThrows(IllegalStateException.class, () -> p.acquire(1));
  }
}
