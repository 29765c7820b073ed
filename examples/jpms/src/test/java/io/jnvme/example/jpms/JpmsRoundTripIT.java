package io.jnvme.example.jpms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * JPMS mode: the built jars on a plain module path, no OSGi framework and no OSGi API jar. The
 * module path is staged by the build in {@code target/modules} (every runtime dependency of this
 * module) plus the example's own jar.
 */
class JpmsRoundTripIT {
  private static final String MAIN = "io.jnvme.example.jpms/io.jnvme.example.jpms.RoundTrip";
  private static final Path MODULES = Path.of(System.getProperty("jpms.modules", "target/modules"));
  private static final Path EXAMPLE =
      Path.of(System.getProperty("example.jar", "target/example-jpms.jar"));

  /**
   * Every jnvme module resolves without OSGi ({@code --add-modules ALL-MODULE-PATH}: the manager
   * too, which the example does not use), and the example's round trip through ServiceLoader
   * succeeds.
   */
  @Test
  void roundTripOnThePlainModulePath() throws Exception {
    String output = runExample(List.of(), List.of(), "jpms-round-trip.log");
    // Named modules, not the class path: the providers report their modules.
    assertTrue(output.contains("in module io.jnvme.driver,"), output);
    assertTrue(output.contains("in module io.jnvme.transport.emulated,"), output);
    assertTrue(output.contains("in module io.jnvme.dma."), output);
  }

  /**
   * When lockmem cannot lock memory (RLIMIT_MEMLOCK 0, and CAP_IPC_LOCK dropped when root), the
   * example falls back to the page pool, which the module path finds through ServiceLoader too
   * and which is configured by system properties (its file goes to target/).
   */
  @Test
  void fallsBackToThePagePoolWhenLockmemCannotLock() throws Exception {
    String prlimit = which("prlimit");
    assumeTrue(prlimit != null, "prlimit not installed");
    List<String> prefix = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      String setpriv = which("setpriv");
      assumeTrue(setpriv != null, "running as root without setpriv to drop CAP_IPC_LOCK");
      prefix.addAll(List.of(setpriv, "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock"));
    }
    prefix.addAll(List.of(prlimit, "--memlock=0:0"));
    Path pool = MODULES.resolveSibling("jnvme-pool-jpms-it");
    Files.deleteIfExists(pool);
    try {
      String output = runExample(prefix, List.of("-Djnvme.pagepool.directory=" + pool.getParent(),
          "-Djnvme.pagepool.name=jpms-it", "-Djnvme.pagepool.size=16m"),
          "jpms-round-trip-pagepool.log");
      assertTrue(output.contains("allocator pagepool in module io.jnvme.dma.pagepool"), output);
      assertTrue(output.contains("lockmem: "), "why lockmem was passed over:\n" + output);
      assertTrue(Files.exists(pool), "pool file " + pool);
    } finally {
      Files.deleteIfExists(pool);
    }
  }

  /** Runs the example and returns its output, asserting exit status 0 and the OK line. */
  private static String runExample(List<String> prefix, List<String> jvmOptions, String logName)
      throws Exception {
    List<String> command = new ArrayList<>(prefix);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=com.sun.jna");
    command.addAll(jvmOptions);
    command.addAll(List.of("--module-path", MODULES + File.pathSeparator + EXAMPLE,
        "--add-modules", "ALL-MODULE-PATH", "-m", MAIN));
    Path log = MODULES.resolveSibling(logName);
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      fail("the example did not finish within 120 s:\n" + Files.readString(log));
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    assertEquals(0, p.exitValue(), "exit status of " + String.join(" ", command) + "\n" + output);
    assertTrue(output.contains("jpms round trip: OK"), output);
    return output;
  }

  private static String which(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  /**
   * The module path holds no OSGi jar, every requirement of a jnvme module on an OSGi module is
   * {@code static}, and the service providers are declared where ServiceLoader looks for them.
   */
  @Test
  void descriptorsNeedNoOsgiAndDeclareTheProviders() throws IOException {
    try (Stream<Path> jars = Files.list(MODULES)) {
      List<String> osgi = jars.map(j -> j.getFileName().toString())
          .filter(n -> n.startsWith("osgi.") || n.startsWith("org.osgi") || n.contains("felix"))
          .toList();
      assertTrue(osgi.isEmpty(), "OSGi jars on the JPMS module path: " + osgi);
    }
    Map<String, ModuleDescriptor> jnvme = new TreeMap<>();
    for (ModuleReference m : ModuleFinder.of(MODULES).findAll()) {
      if (m.descriptor().name().startsWith("io.jnvme.")) {
        jnvme.put(m.descriptor().name(), m.descriptor());
      }
    }
    assertTrue(jnvme.keySet().containsAll(Set.of("io.jnvme.spec", "io.jnvme.device.api",
        "io.jnvme.driver.api", "io.jnvme.driver", "io.jnvme.transport.emulated",
        "io.jnvme.dma.lockmem", "io.jnvme.dma.pagepool", "io.jnvme.manager")), jnvme.keySet()
        .toString());

    List<String> problems = new ArrayList<>();
    for (ModuleDescriptor d : jnvme.values()) {
      assertFalse(d.isAutomatic(), d.name() + " has no module-info");
      for (ModuleDescriptor.Requires r : d.requires()) {
        boolean osgiApi = r.name().startsWith("osgi.") || r.name().startsWith("org.osgi.")
            || r.name().startsWith("org.apache.felix.");
        if (osgiApi && !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)) {
          problems.add(d.name() + " requires " + r.name() + " (not static: add it to"
              + " -jpms-module-info-options in bnd/common.bnd)");
        }
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));

    assertEquals(Set.of("io.jnvme.driver.internal.DriverFactory"),
        providers(jnvme.get("io.jnvme.driver"), "io.jnvme.driver.NvmeDriverFactory"));
    assertEquals(Set.of("io.jnvme.transport.emulated.internal.EmulatedTransport"),
        providers(jnvme.get("io.jnvme.transport.emulated"), "io.jnvme.device.DeviceFactory"));
    assertEquals(Set.of("io.jnvme.dma.lockmem.internal.LockedMemoryProvider"),
        providers(jnvme.get("io.jnvme.dma.lockmem"), "io.jnvme.device.DmaClientProvider"));
    assertEquals(Set.of("io.jnvme.dma.pagepool.internal.PagePoolProvider"),
        providers(jnvme.get("io.jnvme.dma.pagepool"), "io.jnvme.device.DmaClientProvider"));
  }

  private static Set<String> providers(ModuleDescriptor d, String service) {
    return d.provides().stream().filter(p -> p.service().equals(service))
        .flatMap(p -> p.providers().stream()).collect(Collectors.toSet());
  }
}
