package io.jnvme.transport.qemu;

import io.jnvme.device.Device;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite on the emulated controller, with the page pool in a temporary directory.
 * Runs everywhere.
 */
class EmulatedConformanceTest extends DriverConformanceSuite {
  @TempDir Path dir;

  @Override
  protected Target newTarget() throws Exception {
    EmulatedNamespace ns3 = EmulatedNamespace.memory(NS3_BYTES, 512);
    EmulatedController emu = EmulatedController.builder("conf")
        .mdts(MDTS)
        .interruptVectors(8)
        .maxIoQueues(4)
        .namespace(1, EmulatedNamespace.memory(NS1_BYTES, 512))
        .namespace(2, EmulatedNamespace.memory(NS2_BYTES, 4096))
        .build();
    PagePool pool = PagePool.open(dir.resolve("pool"), 64L << 20, 0x40_0000_0000L);
    long resetsAtStart = emu.resetCount();
    return new Target() {
      @Override
      public Device device() {
        return emu.device();
      }

      @Override
      public PagePool pool() {
        return pool;
      }

      @Override
      public void attachNamespace(int nsid) {
        if (nsid != 3) {
          throw new IllegalArgumentException("only namespace 3 comes and goes");
        }
        emu.addNamespace(3, ns3);
      }

      @Override
      public void detachNamespace(int nsid) {
        emu.removeNamespace(nsid);
      }

      @Override
      public long resets() {
        return emu.resetCount() - resetsAtStart;
      }

      @Override
      public Map<Capability, String> lacks() {
        return Map.of(
            Capability.RESERVATIONS,
            "the emulated controller implements no reservation commands (ONCS bit 5 clear)",
            Capability.NAMESPACE_MANAGEMENT,
            "the emulated controller implements no Namespace Management (OACS bit 3 clear)");
      }

      @Override
      public void close() {
        emu.close();
        ns3.close();
        pool.close();
      }
    };
  }
}
