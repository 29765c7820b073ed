package io.jnvme.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jnvme.device.DirectMemory;
import io.jnvme.device.DmaClient;
import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Fuzzes what the device returns (the trust boundary): register values, completion queue entries
 * (CID, phase, status, SQ head, dword 0, dropped, duplicated, reordered, garbage), Identify
 * Controller / Namespace data, the active namespace list, namespace identification descriptors,
 * the Changed Namespace List and async event dwords, through {@link FuzzingDevice}. The driver
 * brings the controller up and runs a fuzzer-chosen sequence of calls, including namespace events
 * that make the device post async events; {@link Contract} says what must hold.
 *
 * <p>Committed inputs: {@code src/test/resources/io/jnvme/fuzz/DeviceResponseFuzzTestInputs/}.
 */
class DeviceResponseFuzzTest {
  private static final int BUFFER = 64 * 1024;
  private static final Duration TIMEOUT = Duration.ofMillis(300);

  enum Op { LIST, OPEN, READ, WRITE, FLUSH, DEALLOCATE, ZEROES, ASYNC, RESCAN, LOG, FEATURE,
    IDENTIFY_NS, RESIZE, REMOVE_ADD, CLOSE, PAUSE }

  private record Step(Op op, int nsid, int a, int b, int c) {}

  @FuzzTest
  void deviceResponses(FuzzedDataProvider in) throws Exception {
    DeviceScript script = new DeviceScript(in);
    List<Step> steps = new ArrayList<>();
    int n = in.consumeInt(0, 12);
    Op[] ops = Op.values();
    for (int i = 0; i < n; i++) {
      steps.add(new Step(ops[in.consumeInt(0, ops.length - 1)], in.consumeInt(1, 3),
          in.consumeInt(), in.consumeInt(), in.consumeInt()));
    }
    String name = Contract.uniqueName("fzdev");
    EmulatedController emu = EmulatedController.builder(name)
        .capTimeout(2)
        .interruptVectors(4)
        .maxQueueEntries(64)
        .commandLogCapacity(0)
        .inlineExecution(true)
        .namespace(1, EmulatedNamespace.memory(1L << 20, 512))
        .namespace(2, EmulatedNamespace.memory(1L << 20, 4096))
        .build();
    try {
      FuzzingDevice device = new FuzzingDevice(emu.device(), script);
      DmaClient dma = new DirectMemory().clientFor(device.id());
      ControllerOptions options = ControllerOptions.defaults(name)
          .withCpuCount(2)
          .withMaxIoQueues(2)
          .withAdminQueueEntries(8)
          .withIoQueueEntries(8)
          .withCommandTimeout(TIMEOUT)
          .withHealthCheckInterval(Duration.ofMillis(10));
      NvmeController c = Contract.call("start",
          () -> new DriverFactory().start(device, dma, options));
      if (c != null) {
        try {
          run(c, emu, steps);
        } finally {
          c.close();
        }
        Contract.checkController(c);
      }
    } finally {
      emu.close();
    }
    Contract.checkThreadsGone(Duration.ofSeconds(5), name + "-", "emu-" + name);
    Contract.checkUncaught();
  }

  private static void run(NvmeController c, EmulatedController emu, List<Step> steps)
      throws InterruptedException {
    Map<Integer, NamespaceHandle> handles = new HashMap<>();
    MemoryBlock buf = Contract.call("allocateBuffer", () -> c.allocateBuffer(BUFFER));
    int asyncCount = (int) steps.stream().filter(s -> s.op == Op.ASYNC).count();
    CountDownLatch async = new CountDownLatch(asyncCount);
    AtomicIntegerArray calls = new AtomicIntegerArray(Math.max(1, asyncCount));
    int asyncIndex = 0;
    for (Step s : steps) {
      NamespaceHandle h = handles.get(s.nsid);
      switch (s.op) {
        case LIST -> Contract.call("namespaces", c::namespaces);
        case OPEN -> {
          NamespaceHandle opened = Contract.call("open", () -> c.open(s.nsid, "fuzz"));
          if (opened != null) {
            NamespaceHandle old = handles.put(s.nsid, opened);
            if (old != null) {
              throw new AssertionError("a second handle was opened for nsid " + s.nsid);
            }
          }
        }
        case READ, WRITE, ZEROES, DEALLOCATE -> {
          if (h == null || buf == null) {
            continue;
          }
          int blocks = blocks(h, s.b);
          long lba = lba(h, s.a, blocks);
          switch (s.op) {
            case READ -> Contract.run("read", () -> h.read(lba, blocks, buf, 0));
            case WRITE -> Contract.run("write", () -> h.write(lba, blocks, buf, 0, (s.c & 1) != 0));
            case ZEROES -> Contract.run("writeZeroes", () -> h.writeZeroes(lba, blocks));
            default -> Contract.run("deallocate", () -> h.deallocate(lba, blocks));
          }
        }
        case FLUSH -> {
          if (h != null) {
            Contract.run("flush", h::flush);
          }
        }
        case ASYNC -> {
          int index = asyncIndex++;
          if (h == null || buf == null) {
            async.countDown();
            calls.incrementAndGet(index);
            continue;
          }
          int blocks = blocks(h, s.b);
          long lba = lba(h, s.a, blocks);
          int cpu = Math.floorMod(s.c, 4) - 1;
          try {
            io.jnvme.driver.IoCompletion done = (ctx, e) -> {
              if (e != null) {
                Contract.checkTyped("async completion", e);
              }
              calls.incrementAndGet((int) ctx);
              async.countDown();
            };
            if ((s.c & 8) != 0) {
              h.submitWrite(cpu, lba, blocks, buf, 0, false, done, index);
            } else {
              h.submitRead(cpu, lba, blocks, buf, 0, done, index);
            }
          } catch (RuntimeException e) {
            throw new AssertionError("submit threw an unchecked exception", e);
          }
        }
        case RESCAN -> Contract.run("rescanNamespaces", c::rescanNamespaces);
        case LOG -> Contract.call("logPage",
            () -> c.logPage(s.a & 0xFF, s.b, 4 * (1 + Math.floorMod(s.c, 1024))));
        case FEATURE -> Contract.call("feature", () -> c.feature(s.a & 0xFF, s.b, s.c));
        case IDENTIFY_NS -> Contract.call("identifyNamespace", () -> c.identifyNamespace(s.a));
        case RESIZE -> {
          try {
            emu.resizeNamespace(s.nsid, (1L + Math.floorMod(s.a, 4)) << 20);
          } catch (IllegalArgumentException | java.io.IOException e) {
            // not attached now: nothing happens
          }
        }
        case REMOVE_ADD -> {
          try {
            EmulatedNamespace ns = emu.removeNamespace(s.nsid);
            if ((s.a & 1) != 0) {
              emu.addNamespace(s.nsid, ns);
            }
          } catch (IllegalArgumentException | IllegalStateException e) {
            // not attached now
          }
        }
        case CLOSE -> {
          if (h != null) {
            h.close();
            handles.remove(s.nsid);
          }
        }
        case PAUSE -> Thread.sleep(Math.floorMod(s.a, 30));
      }
    }
    // Every asynchronous command ends: completed, failed, timed out or failed with the
    // controller. The timeout scan runs every tick, so a few timeouts are plenty.
    if (!async.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("an asynchronous command never completed: " + async.getCount()
          + " of " + asyncCount + " outstanding, controller " + c.status());
    }
    for (int i = 0; i < asyncCount; i++) {
      if (calls.get(i) != 1) {
        throw new AssertionError("completion " + i + " was called " + calls.get(i) + " times");
      }
    }
    handles.values().forEach(NamespaceHandle::close);
    if (buf != null) {
      buf.close();
    }
  }

  private static int blocks(NamespaceHandle h, int fuzz) {
    int max = Math.max(1, Math.min(h.maxTransferBlocks(), BUFFER / h.blockSize()));
    return 1 + Math.floorMod(fuzz, max);
  }

  private static long lba(NamespaceHandle h, int fuzz, int blocks) {
    long count = h.blockCount();
    if (fuzz < 0) {
      // Sometimes a range the driver must refuse or the device must reject.
      return count - blocks + Math.floorMod(fuzz, 3);
    }
    return count <= blocks ? 0 : Math.floorMod((long) fuzz, count - blocks + 1);
  }
}
