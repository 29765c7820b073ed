package io.jnvme.dma.pagepool.internal;

import io.jnvme.device.DmaClient;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PagePoolConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The forked JVM of the page pool tests. Arguments: {@code mode file size base slots [extra]}.
 *
 * <ul>
 *   <li>{@code hold}: opens the pool, prints {@code LOCKED <pid>} and waits until stdin closes.
 *   <li>{@code crash-at <step>}: allocates {@code a} and {@code b}, frees {@code a}, allocates
 *       {@code c}, and halts the JVM the first time the pool reaches {@code step} (one of the
 *       hook's step names) after printing {@code CRASH <step> <n>}.
 *   <li>{@code churn <seed>}: re-attaches what an earlier round left, prints {@code READY}, then
 *       allocates and frees at random until killed. Every page of every block gets its own
 *       device address in its first eight bytes, so the parent can tell a page that belongs to
 *       another block (or a block that was not zeroed) from one that is merely unwritten.
 * </ul>
 */
public final class PoolChild {
  static final String DEVICE = "child0";

  private PoolChild() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    PagePoolConfig config = new PagePoolConfig(Path.of(args[1]), Long.parseLong(args[2]),
        Long.decode(args[3]), Integer.parseInt(args[4]));
    switch (mode) {
      case "hold" -> hold(config);
      case "crash-at" -> crashAt(config, args[5]);
      case "churn" -> churn(config, Long.parseLong(args[5]));
      default -> throw new IllegalArgumentException(mode);
    }
  }

  private static void hold(PagePoolConfig config) throws Exception {
    try (PagePool pool = PagePool.open(config)) {
      System.out.println("LOCKED " + ProcessHandle.current().pid());
      System.out.flush();
      while (System.in.read() >= 0) {
        // Wait for the parent to close stdin.
      }
    }
  }

  private static void crashAt(PagePoolConfig config, String step) throws Exception {
    PagePool pool = PagePool.open(config);
    DmaClient client = pool.clientFor(DEVICE);
    int[] seen = new int[1];
    PoolFile.stepHook = s -> {
      seen[0]++;
      if (s.equals(step)) {
        System.out.println("CRASH " + s + " " + seen[0]);
        System.out.flush();
        Runtime.getRuntime().halt(99);
      }
    };
    MemoryBlock a = client.allocate(3 * MemoryBlock.PAGE_SIZE, "a");
    mark(a);
    MemoryBlock b = client.allocate(MemoryBlock.PAGE_SIZE, "b");
    mark(b);
    a.close();
    MemoryBlock c = client.allocate(2 * MemoryBlock.PAGE_SIZE, "c");
    mark(c);
    System.out.println("DONE");
  }

  private static void churn(PagePoolConfig config, long seed) throws Exception {
    Random random = new Random(seed);
    PagePool pool = PagePool.open(config);
    DmaClient client = pool.clientFor(DEVICE);
    List<MemoryBlock> held = new ArrayList<>(client.attachPending());
    System.out.println("READY attached=" + held.size());
    System.out.flush();
    int maxHeld = config.maxAllocations() - 2;
    for (long n = 0; ; n++) {
      boolean allocate = held.isEmpty() || (held.size() < maxHeld && random.nextBoolean());
      if (allocate) {
        int pages = 1 + random.nextInt(16);
        try {
          MemoryBlock b = client.allocate((long) pages * MemoryBlock.PAGE_SIZE, "t" + n);
          held.add(b);
          mark(b);
        } catch (io.jnvme.dma.pagepool.PoolFullException e) {
          held.remove(random.nextInt(held.size())).close();
        }
      } else {
        held.remove(random.nextInt(held.size())).close();
      }
    }
  }

  /** Writes each page's device address into the page's first eight bytes. */
  static void mark(MemoryBlock b) {
    for (int p = 0; p < b.pageCount(); p++) {
      b.putLong((long) p * MemoryBlock.PAGE_SIZE, b.deviceAddress(p));
    }
  }
}
