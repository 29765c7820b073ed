package io.jnvme.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.driver.internal.shell.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real {@code ./jnvme} script against the assembled distribution, as a user would.
 * The tests that need nvme0 pass once the driver and the emulated transport are in the build.
 */
class JnvmeScriptIT {
  private static final Path SCRIPT = Path.of(System.getProperty("jnvme.script", "../jnvme"));
  private static final Path HOME = Path.of(System.getProperty("jnvme.it.home", "target/it-run"));

  @TempDir Path tmp;

  /** Exit status, stdout and stderr of one run. */
  record Run(int status, String out, String err) {
    @Override
    public String toString() {
      return "status=" + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  static Run jnvme(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(SCRIPT.toAbsolutePath().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("JNVME_NO_BUILD", "1"); // we run inside the Maven build that assembled it
    env.put("JNVME_HOME", HOME.toAbsolutePath().toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.putIfAbsent("JNVME_TIMEOUT", "30");
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream());
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("./jnvme " + String.join(" ", args) + " did not end in 120 s");
    }
    return new Run(p.exitValue(), out, err.join());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  // ---- independent of the driver -----------------------------------------------------------

  @Test
  void runsGogoCommandsWithoutWaitingForAController() throws Exception {
    Run r = jnvme("-c", "lb jnvme; echo done", "--wait", "none");
    assertEquals(0, r.status(), r.toString());
    assertTrue(r.out().contains("jnvme dma-lockmem"), r.toString());
    assertTrue(r.out().contains("jnvme driver "), r.toString());
    assertTrue(r.out().strip().endsWith("done"), r.toString());
  }

  @Test
  void stdoutIsCleanJsonEvenWithoutControllers() throws Exception {
    Run r = jnvme("-c", "nvme:list -o json", "--wait", "none");
    assertEquals(0, r.status(), r.toString());
    assertTrue(JsonParser.parse(r.out()) instanceof Map, r.toString());
  }

  @Test
  void usageErrorsAndUnknownCommandsExitNonZero() throws Exception {
    Run usage = jnvme("--bogus");
    assertEquals(2, usage.status(), usage.toString());
    assertEquals("", usage.out());
    Run unknown = jnvme("-c", "nvme:nonsense; echo never", "--wait", "none");
    assertEquals(1, unknown.status(), unknown.toString());
    assertTrue(unknown.err().contains("nvme:nonsense"), unknown.toString());
    assertEquals("", unknown.out(), "the second command must not run");
  }

  // ---- with the driver and the emulated controller ----------------------------------------

  @Test
  @SuppressWarnings("unchecked")
  void listJsonShowsNvme0WithBothNamespaces() throws Exception {
    Run r = jnvme("-c", "nvme:list -o json");
    assertEquals(0, r.status(), r.toString());
    Map<String, Object> root = (Map<String, Object>) JsonParser.parse(r.out());
    List<Map<String, Object>> devices = (List<Map<String, Object>>) root.get("Devices");
    Map<String, Object> nvme0 = devices.stream()
        .filter(d -> "nvme0".equals(d.get("Controller"))).findFirst()
        .orElseThrow(() -> new AssertionError("no nvme0 in " + r));
    assertEquals("emulated", nvme0.get("Transport"), r.toString());
    List<Map<String, Object>> ns = (List<Map<String, Object>>) nvme0.get("Namespaces");
    Map<String, Object> n1 = namespace(ns, "nvme0n1", r);
    Map<String, Object> n2 = namespace(ns, "nvme0n2", r);
    assertEquals(1L, n1.get("NSID"));
    assertEquals(256L << 20, n1.get("PhysicalSize"));
    assertEquals(512L, n1.get("SectorSize"));
    assertEquals((256L << 20) / 512, n1.get("MaximumLBA"));
    assertEquals(2L, n2.get("NSID"));
    assertEquals(64L << 20, n2.get("PhysicalSize"));
    assertEquals(512L, n2.get("SectorSize"));
    assertEquals((64L << 20) / 512, n2.get("MaximumLBA"));
  }

  private static Map<String, Object> namespace(List<Map<String, Object>> ns, String name, Run r) {
    return ns.stream().filter(n -> name.equals(n.get("NameSpace"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + r));
  }

  @Test
  void oneMebibyteRandomFileRoundTripsThroughWriteAndRead() throws Exception {
    byte[] data = new byte[1 << 20];
    new Random(20261121L).nextBytes(data);
    Path in = Files.write(tmp.resolve("in.bin"), data);
    Path out = tmp.resolve("out.bin");
    // nvme0n1 is held by the disk layer (exported over NBD): the shell's I/O goes through it.
    Run r = jnvme("-c", "nvme:write nvme0n1 -s 0 -c 2047 -z 1048576 -d " + in
        + "; nvme:read nvme0n1 -s 0 -c 2047 -z 1048576 -d " + out);
    assertEquals(0, r.status(), r.toString());
    assertTrue(r.out().contains("write: Success"), r.toString());
    assertTrue(r.out().contains("read: Success"), r.toString());
    assertArrayEquals(data, Files.readAllBytes(out), "read back differs from what was written");
  }

  @Test
  void failingCommandsExitNonZeroWithTheirMessage() throws Exception {
    Run unknown = jnvme("-c", "nvme:id-ctrl nvme9");
    assertEquals(1, unknown.status(), unknown.toString());
    assertTrue(unknown.err().contains("unknown controller 'nvme9'"), unknown.toString());

    Path in = Files.write(tmp.resolve("small.bin"), new byte[100]);
    Run mismatch = jnvme("-c", "nvme:write nvme0n1 -c 0 -z 100 -d " + in + "; nvme:list");
    assertEquals(1, mismatch.status(), mismatch.toString());
    assertTrue(mismatch.err().contains("does not match the block count"), mismatch.toString());
    assertEquals("", mismatch.out(), "nvme:list must not run after the failure");
  }

  @Test
  @SuppressWarnings("unchecked")
  void removedNamespaceIsListedAsRemoved() throws Exception {
    Run r = jnvme("-c", "emu:ns-remove nvme0 2; nvme:list -o json");
    assertEquals(0, r.status(), r.toString());
    String json = r.out().substring(r.out().indexOf('{'));
    Map<String, Object> root = (Map<String, Object>) JsonParser.parse(json);
    Map<String, Object> nvme0 = ((List<Map<String, Object>>) root.get("Devices")).get(0);
    List<Map<String, Object>> ns = (List<Map<String, Object>>) nvme0.get("Namespaces");
    assertEquals("removed", namespace(ns, "nvme0n2", r).get("State"), r.toString());
    assertEquals("active", namespace(ns, "nvme0n1", r).get("State"), r.toString());
  }

  @Test
  void namespaceResizeIsSeenByRescan() throws Exception {
    Run r = jnvme("-c", "emu:ns-resize nvme0 1 512M; nvme:ns-rescan nvme0");
    assertEquals(0, r.status(), r.toString());
    assertTrue(r.out().contains("nvme0n1: active, 1048576 blocks of 512 bytes"), r.toString());
  }

  @Test
  @SuppressWarnings("unchecked")
  void serviceThenStatusShowsTheServicingItsPauseAndNoReset() throws Exception {
    Run r = jnvme("-c", "nvme:service; nvme:status -o json");
    assertEquals(0, r.status(), r.toString());
    String json = r.out().substring(r.out().indexOf("{\n"));
    Map<String, Object> root = (Map<String, Object>) JsonParser.parse(json);
    Map<String, Object> nvme0 = ((List<Map<String, Object>>) root.get("Controllers")).get(0);
    assertEquals("nvme0", nvme0.get("Controller"), r.toString());
    assertEquals(Boolean.TRUE, nvme0.get("Keepalive"), r.toString());
    assertEquals("restored", nvme0.get("LastStart"), r.toString());
    Map<String, Object> last = (Map<String, Object>) nvme0.get("LastServicing");
    assertEquals(Boolean.FALSE, last.get("Reset"), r.toString());
    assertTrue(((Number) last.get("PauseMicros")).longValue() > 0, r.toString());
    List<Map<String, Object>> queues = (List<Map<String, Object>>) nvme0.get("Queues");
    assertEquals("pagepool", queues.get(0).get("Allocator"), r.toString());
  }

  @Test
  @SuppressWarnings("unchecked")
  void disconnectAllLeavesOwnedControllersConnected() throws Exception {
    Run r = jnvme("-c", "nvme:connect --transport emulated --owner orch-a;"
        + " nvme:disconnect-all --yes; nvme:list -o json");
    assertEquals(0, r.status(), r.toString());
    String json = r.out().substring(r.out().indexOf("{\n"));
    Map<String, Object> root = (Map<String, Object>) JsonParser.parse(json);
    List<Map<String, Object>> devices = (List<Map<String, Object>>) root.get("Devices");
    assertEquals(1, devices.size(), r.toString());
    assertEquals("nvme1", devices.get(0).get("Controller"), "orch-a's controller stays: " + r);
  }

  @Test
  void logPagesFeaturesAndResetWorkOnThePlatform() throws Exception {
    Path zeros = Files.write(tmp.resolve("zeros.bin"), new byte[512]);
    Run r = jnvme("-c", "nvme:write nvme0n1 -s 0 -c 0 -z 512 -d " + zeros + "; nvme:smart-log nvme0;"
        + " nvme:error-log nvme0 -e 1; nvme:get-feature nvme0 -f 7; nvme:reset nvme0;"
        + " nvme:status");
    assertEquals(0, r.status(), r.toString());
    assertTrue(r.out().contains("host_write_commands"), r.toString());
    assertTrue(r.out().contains("get-feature:0x07 (NUMBER_OF_QUEUES)"), r.toString());
    assertTrue(r.out().contains("Reset nvme0"), r.toString());
    assertTrue(r.out().contains("last start cold"), "a reset brings it up cold: " + r);
  }
}
