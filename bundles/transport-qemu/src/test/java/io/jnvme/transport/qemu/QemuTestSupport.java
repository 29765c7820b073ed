package io.jnvme.transport.qemu;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * What the QEMU tests share: whether QEMU is there (skip loudly when it is not, fail when
 * {@code CI=true}), one base directory for every instance the tests start, and the clean-up of
 * instances a killed test JVM left behind.
 */
public final class QemuTestSupport {
  /** Every instance the tests start lives in a run directory under here. */
  public static final Path BASE = Path.of(System.getProperty("java.io.tmpdir"), "jnvme-qemu-test");
  /** The QEMU the tests use: {@code -Djnvme.test.qemu.binary=...}, else the one on PATH. */
  static final String BINARY = System.getProperty("jnvme.test.qemu.binary",
      QemuConfig.DEFAULT_BINARY);
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static volatile boolean reaped;

  private QemuTestSupport() {}

  /**
   * Skips the calling test class when {@code qemu-system-x86_64} is not installed, saying so on
   * stderr; fails instead when the environment variable {@code CI} is {@code true}, because CI
   * installs QEMU and a missing one means the QEMU tests would silently not run.
   */
  public static void requireQemu() {
    if (QemuInstance.available(BINARY)) {
      if (!reaped) {
        reaped = true;
        int n = QemuInstance.reapStale(BASE);
        if (n > 0) {
          System.err.println("[jnvme] cleaned up " + n + " QEMU instances of dead test JVMs");
        }
      }
      return;
    }
    String msg = BINARY + " is not installed (apt-get install"
        + " qemu-system-x86): the QEMU transport tests cannot run";
    if ("true".equals(System.getenv("CI"))) {
      fail(msg + ", and CI=true requires them");
    }
    System.err.println();
    System.err.println("[jnvme] ******** SKIPPED: " + msg + " ********");
    System.err.println();
    Assumptions.abort(msg);
  }

  /** A fresh configuration with a short, unique name and run directory under {@link #BASE}. */
  public static QemuConfig config(String prefix, List<QemuNamespace> namespaces) {
    String name = prefix + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    return QemuConfig.defaults(name)
        .withBinary(BINARY)
        .withRunDirectory(BASE.resolve(name))
        .withRamSize(64L << 20)
        .withNamespaces(namespaces);
  }
}
