package io.jnvme.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The feature repository in a real Karaf 4.4.10, driven as an administrator would over SSH:
 * unpack the distribution, let it listen on 127.0.0.1 only with a fresh key, start it, add the
 * repository, install every feature with {@code -r} (G13), and see the controller that a
 * configuration file in {@code etc/} describes come up in {@code nvme:list}.
 *
 * <p>The repository and its bundles are resolved the way users resolve them, through {@code mvn:}
 * URLs: the feature repository, the jnvme bundles and JNA from the build's staged repository
 * ({@code target/repo}, laid out as {@code mvn install} would; a default repository of Karaf,
 * checked before anything else), Karaf's own from its {@code system/} directory, and the bundles
 * of Karaf's {@code scr} feature, which the distribution does not ship, from the Maven local
 * repository, where karaf:verify put them earlier in the same build. No remote repository: the
 * test needs no network.
 */
class KarafFeaturesIT {
  private static final Duration SSH_READY = Duration.ofSeconds(120);
  private static final Duration CONTROLLER_READY = Duration.ofSeconds(60);
  private static final Duration COMMAND = Duration.ofSeconds(60);

  private final Path archive = Path.of(property("karaf.archive"));
  private final String karafVersion = property("karaf.version");
  private final String features = property("features.url");
  private final Path stagedRepo = Path.of(property("staged.repo"));
  private final Path mavenLocal = Path.of(property("maven.local.repo"));
  private final Path work = Path.of(property("karaf.work"));

  private Path home;
  private Path key;
  private int sshPort;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void featuresInstallAndTheConfiguredControllerComesUp() throws Exception {
    requireTools("ssh", "ssh-keygen", "tar");
    unpackAndConfigure();
    long started = System.nanoTime();
    run(List.of(home.resolve("bin/start").toString()), Duration.ofSeconds(60));
    try {
      awaitSsh();
      System.out.printf("Karaf answered on ssh after %d ms%n",
          Duration.ofNanos(System.nanoTime() - started).toMillis());

      String added = ssh("feature:repo-add " + features);
      assertTrue(added.contains("Adding feature url"), added);
      ssh("feature:install -r nvme-core nvme-dma-lockmem nvme-dma-pagepool"
          + " nvme-transport-emulated");
      String installed = ssh("feature:list -i");
      for (String f : List.of("nvme-core", "nvme-dma-lockmem", "nvme-dma-pagepool",
          "nvme-transport-emulated")) {
        assertTrue(installed.lines().anyMatch(l -> l.startsWith(f + " ") && l.contains("Started")),
            f + " is not started:\n" + installed);
      }

      // The manager starts nvme0 from etc/io.jnvme.controller-nvme0.cfg once a transport, an
      // allocator and the driver are there: wait for it, then check the listing.
      String list = awaitOutput("nvme:list", out -> out.contains("nvme0n1"), CONTROLLER_READY);
      System.out.println(list);
      assertTrue(list.contains("nvme0n1"), list);
      assertTrue(list.contains("nvme0n2"), list);
      String json = ssh("nvme:list -o json");
      assertTrue(Pattern.compile("\"Controller\"\\s*:\\s*\"nvme0\"").matcher(json).find(), json);
      assertTrue(json.contains("\"NameSpace\": \"nvme0n1\""), json);
    } catch (Throwable t) {
      t.addSuppressed(new AssertionError("Karaf's log (" + home.resolve("data/log/karaf.log")
          + "), last lines:\n" + tail(home.resolve("data/log/karaf.log"), 80)));
      throw t;
    } finally {
      stopKaraf();
    }
  }

  /** Fresh Karaf under target/karaf-it: ssh on 127.0.0.1 at a free port, a new key, no remotes. */
  private void unpackAndConfigure() throws Exception {
    deleteTree(work);
    Files.createDirectories(work);
    run(List.of("tar", "xzf", archive.toString(), "-C", work.toString()), Duration.ofSeconds(120));
    home = work.resolve("apache-karaf-" + karafVersion);
    Path etc = home.resolve("etc");

    sshPort = freePort();
    replaceLines(etc.resolve("org.apache.karaf.shell.cfg"),
        "sshPort = " + sshPort, "sshHost = 127.0.0.1");
    // JMX: free ports too, so that a Karaf already running here does not collide.
    replaceLines(etc.resolve("org.apache.karaf.management.cfg"),
        "rmiRegistryPort = " + freePort(), "rmiServerPort = " + freePort());

    key = work.resolve("id_rsa");
    run(List.of("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", key.toString()),
        Duration.ofSeconds(60));
    String publicKey = Files.readString(work.resolve("id_rsa.pub")).trim().split("\\s+")[1];
    // G14: every user is commented out in 4.4.10; the key's user gets the admin group.
    Files.writeString(etc.resolve("keys.properties"),
        "\nkaraf=" + publicKey + ",_g_:admingroup\n", StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);

    Files.writeString(etc.resolve("org.ops4j.pax.url.mvn.cfg"), String.join("\n",
        "# Written by KarafFeaturesIT: the build's staged repository first, no remote repository.",
        "org.ops4j.pax.url.mvn.useFallbackRepositories=false",
        "org.ops4j.pax.url.mvn.localRepository=" + mavenLocal,
        "org.ops4j.pax.url.mvn.defaultRepositories=" + stagedRepo.toUri()
            + "@id=jnvme.staged@snapshots,"
            + " ${karaf.home.uri}${karaf.default.repository}@id=system.repository@snapshots,"
            + " ${karaf.data.uri}kar@id=kar.repository@multi@snapshots",
        "org.ops4j.pax.url.mvn.repositories=",
        ""));

    // The controller, as an administrator configures it: FileInstall reads etc/*.cfg.
    Files.writeString(etc.resolve("io.jnvme.controller-nvme0.cfg"), String.join("\n",
        "name=nvme0",
        "transport=emulated",
        "transportOptions=namespaces=1:64M,2:16M",
        "maxIoQueues=2",
        ""));
    // The page pool in target/, small, rather than the default /dev/shm/jnvme-pool-default.
    Files.writeString(etc.resolve("io.jnvme.dma.pagepool.cfg"), String.join("\n",
        "directory=" + work,
        "pool.name=karaf-it",
        "size=16777216",
        ""));
  }

  /** Bounded retries of a trivial command until Karaf's ssh server lets the key in. */
  private void awaitSsh() throws Exception {
    long deadline = System.nanoTime() + SSH_READY.toNanos();
    Result last = null;
    while (System.nanoTime() < deadline) {
      last = exec(sshCommand("feature:list -i"), Duration.ofSeconds(30));
      if (last.exitCode == 0 && last.output.contains("ssh")) {
        return;
      }
      if (!karafAlive()) {
        fail("Karaf exited before its ssh server answered; last ssh attempt: " + last);
      }
      Thread.sleep(250);
    }
    fail("Karaf's ssh server did not let us in within " + SSH_READY + "; last attempt: " + last);
  }

  /** Runs {@code command} until its output satisfies {@code ready}; returns that output. */
  private String awaitOutput(String command, Predicate<String> ready, Duration within)
      throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    Result last;
    do {
      last = exec(sshCommand(command), COMMAND);
      if (last.exitCode == 0 && ready.test(last.output)) {
        return last.output;
      }
      Thread.sleep(250);
    } while (System.nanoTime() < deadline);
    fail(command + " did not show what was expected within " + within + "; last: " + last);
    return null;
  }

  /** A Karaf command over ssh exec; fails on a non-zero exit status. */
  private String ssh(String command) throws Exception {
    Result r = exec(sshCommand(command), COMMAND);
    assertEquals(0, r.exitCode, command + ": " + r.output);
    return r.output;
  }

  private List<String> sshCommand(String command) {
    return List.of("ssh", "-i", key.toString(), "-p", Integer.toString(sshPort),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10",
        "-o", "LogLevel=ERROR", "karaf@127.0.0.1", command);
  }

  /** bin/stop, then the pid in karaf.pid terminated and, if need be, killed. */
  private void stopKaraf() throws Exception {
    if (home == null) {
      return;
    }
    Optional<ProcessHandle> karaf = karafProcess();
    try {
      exec(List.of(home.resolve("bin/stop").toString()), Duration.ofSeconds(30));
    } catch (IOException | RuntimeException e) {
      System.err.println("bin/stop: " + e);
    }
    if (karaf.isEmpty()) {
      System.err.println("no Karaf process found (" + home.resolve("karaf.pid") + ")");
      return;
    }
    ProcessHandle p = karaf.get();
    long t0 = System.nanoTime();
    if (awaitExit(p, Duration.ofSeconds(30))) {
      System.out.printf("Karaf (pid %d) stopped %d ms after bin/stop%n", p.pid(),
          Duration.ofNanos(System.nanoTime() - t0).toMillis());
    } else {
      System.err.println("Karaf (pid " + p.pid() + ") still running after bin/stop: terminating");
      p.destroy();
      if (!awaitExit(p, Duration.ofSeconds(10))) {
        System.err.println("Karaf (pid " + p.pid() + ") still running: killing");
        p.destroyForcibly();
        awaitExit(p, Duration.ofSeconds(10));
      }
    }
  }

  private Optional<ProcessHandle> karafProcess() {
    Path pidFile = home.resolve("karaf.pid");
    try {
      return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
          .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(true));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private boolean karafAlive() {
    return karafProcess().map(ProcessHandle::isAlive).orElse(true);
  }

  private static boolean awaitExit(ProcessHandle p, Duration within) throws InterruptedException {
    try {
      p.onExit().get(within.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return !p.isAlive();
    }
  }

  /** ssh and ssh-keygen: without them, skip loudly; under CI=true, fail. */
  private static void requireTools(String... tools) {
    List<String> missing = new ArrayList<>();
    for (String t : tools) {
      if (which(t) == null) {
        missing.add(t);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    String message = "KarafFeaturesIT needs " + missing + " on the PATH (Debian: apt-get install"
        + " openssh-client); the Karaf test did NOT run";
    if ("true".equals(System.getenv("CI"))) {
      fail(message + " (CI=true)");
    }
    System.err.println("*** SKIPPED: " + message + " ***");
    Assumptions.abort(message);
  }

  private static String which(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return Path.of(dir, tool).toString();
      }
    }
    return null;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Replaces each {@code key = value} line of the properties file by the given one. */
  private static void replaceLines(Path file, String... lines) throws IOException {
    List<String> out = new ArrayList<>(Files.readAllLines(file));
    for (String line : lines) {
      String k = line.substring(0, line.indexOf('=')).trim();
      Pattern p = Pattern.compile("^\\s*" + Pattern.quote(k) + "\\s*=.*$");
      boolean found = false;
      for (int i = 0; i < out.size(); i++) {
        if (p.matcher(out.get(i)).matches()) {
          out.set(i, line);
          found = true;
        }
      }
      assertTrue(found, k + " not in " + file);
    }
    Files.write(file, out);
  }

  /** Runs a command and asserts exit status 0. */
  private Result run(List<String> command, Duration within) throws Exception {
    Result r = exec(command, within);
    assertEquals(0, r.exitCode, r.toString());
    return r;
  }

  /** Runs a command (JAVA_HOME = this JVM's) with a time limit; output and error merged. */
  private Result exec(List<String> command, Duration within) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Path out = Files.createTempFile(work, "cmd", ".out");
    pb.redirectOutput(out.toFile());
    Process p = pb.start();
    boolean done = p.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
    if (!done) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    Files.deleteIfExists(out);
    return new Result(command, done ? p.exitValue() : -1, output);
  }

  /** A finished command: exit status (-1 if it timed out) and its output. */
  private record Result(List<String> command, int exitCode, String output) {
    @Override
    public String toString() {
      return String.join(" ", command) + " -> exit " + exitCode + "\n" + output;
    }
  }

  private static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(" + e + ")";
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static String property(String name) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException("system property " + name + " is not set (run through"
          + " mvn verify, which sets it in failsafe's configuration)");
    }
    return v;
  }
}
