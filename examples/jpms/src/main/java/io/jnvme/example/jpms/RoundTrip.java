package io.jnvme.example.jpms;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceFactory;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeDriverFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Opens an emulated NVMe controller, starts the driver on it, writes random data to namespace 1
 * and reads it back, with everything found through {@link ServiceLoader} on the module path:
 *
 * <pre>
 * java --module-path &lt;jars&gt; -m io.jnvme.example.jpms/io.jnvme.example.jpms.RoundTrip [bytes]
 * </pre>
 *
 * <p>The allocator is {@code lockmem} when it can lock a page here, else the first other one
 * found ({@code pagepool}, configured by the system properties {@code jnvme.pagepool.directory},
 * {@code jnvme.pagepool.name}, ...).
 * Prints one result line on stdout; exits 0 when the data read equals the data written, 1 when it
 * does not, 2 when the round trip could not run.
 */
public final class RoundTrip {
  private static final String OWNER = "jpms-example";

  private RoundTrip() {}

  public static void main(String[] args) {
    int status;
    try {
      long bytes = args.length > 0 ? Long.parseLong(args[0]) : 1L << 20;
      status = run(bytes);
    } catch (Exception | ServiceConfigurationError e) {
      System.out.println("jpms round trip: FAILED " + e);
      e.printStackTrace();
      status = 2;
    }
    System.exit(status);
  }

  static int run(long bytes) throws Exception {
    NvmeDriverFactory driver = ServiceLoader.load(NvmeDriverFactory.class).findFirst()
        .orElseThrow(() -> new IllegalStateException(
            "no io.jnvme.driver.NvmeDriverFactory provider: is io.jnvme.driver on the module path?"));
    DeviceFactory transport = ServiceLoader.load(DeviceFactory.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(f -> "emulated".equals(f.transport()))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(
            "no DeviceFactory for transport emulated: is io.jnvme.transport.emulated on the module"
                + " path?"));
    DmaClientProvider allocator = chooseAllocator();

    long namespaceBytes = Math.max(16L << 20, bytes);
    try (Device device = transport.open("nvme0", Map.of("namespaces", "1:" + namespaceBytes));
        NvmeController controller = driver.start(device, allocator.clientFor(device.id()),
            ControllerOptions.defaults("nvme0"));
        NamespaceHandle ns = controller.open(1, OWNER);
        MemoryBlock out = controller.allocateBuffer(bytes);
        MemoryBlock in = controller.allocateBuffer(bytes)) {
      if (bytes % ns.blockSize() != 0) {
        throw new IllegalArgumentException(bytes + " is not a multiple of the block size "
            + ns.blockSize());
      }
      long seed = System.nanoTime();
      byte[] data = new byte[(int) bytes];
      new Random(seed).nextBytes(data);
      out.copyFrom(ByteBuffer.wrap(data), 0);

      int blocks = (int) (bytes / ns.blockSize());
      for (int done = 0; done < blocks; ) {
        int n = Math.min(ns.maxTransferBlocks(), blocks - done);
        ns.write(done, n, out, (long) done * ns.blockSize(), false);
        done += n;
      }
      for (int done = 0; done < blocks; ) {
        int n = Math.min(ns.maxTransferBlocks(), blocks - done);
        ns.read(done, n, in, (long) done * ns.blockSize());
        done += n;
      }
      byte[] back = new byte[(int) bytes];
      in.copyTo(0, ByteBuffer.wrap(back));
      int mismatch = ByteBuffer.wrap(data).mismatch(ByteBuffer.wrap(back));

      String where = String.format("%d bytes on %sn%d (seed %d): driver %s in module %s,"
              + " transport %s in module %s, allocator %s in module %s",
          bytes, controller.name(), ns.nsid(), seed,
          driver.getClass().getName(), driver.getClass().getModule().getName(),
          transport.transport(), transport.getClass().getModule().getName(),
          allocator.name(), allocator.getClass().getModule().getName());
      if (mismatch >= 0) {
        System.out.println("jpms round trip: MISMATCH at byte " + mismatch + ", " + where);
        return 1;
      }
      System.out.println("jpms round trip: OK, " + where);
      return 0;
    }
  }

  /** lockmem when it can lock a page, else the first other allocator that instantiates. */
  static DmaClientProvider chooseAllocator() {
    List<String> refused = new ArrayList<>();
    DmaClientProvider other = null;
    for (ServiceLoader.Provider<DmaClientProvider> p :
        ServiceLoader.load(DmaClientProvider.class).stream().toList()) {
      DmaClientProvider a;
      try {
        a = p.get();
      } catch (ServiceConfigurationError | LinkageError e) {
        refused.add(p.type().getName() + ": " + e);
        continue;
      }
      if ("lockmem".equals(a.name())) {
        try (MemoryBlock probe = a.clientFor("probe").allocate(MemoryBlock.PAGE_SIZE, "probe")) {
          return a;
        } catch (Exception | LinkageError e) {
          refused.add("lockmem: " + e.getMessage());
        }
      } else if (other == null) {
        other = a;
      }
    }
    if (other == null) {
      throw new IllegalStateException("no usable io.jnvme.device.DmaClientProvider on the module"
          + " path " + refused);
    }
    if (!refused.isEmpty()) {
      System.err.println("allocator " + other.name() + " chosen; not usable: " + refused);
    }
    return other;
  }
}
