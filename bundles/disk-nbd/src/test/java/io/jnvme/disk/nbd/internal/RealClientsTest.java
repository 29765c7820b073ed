package io.jnvme.disk.nbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real NBD clients of Debian (libnbd-bin's nbdinfo and nbdcopy, qemu-utils' qemu-img, fio's
 * nbd engine) against the server in this JVM over the emulated controller: nvme0n1 (128 MiB),
 * nvme0n2 and nvme0n3 (64 MiB each), on 127.0.0.1 and a Unix socket.
 *
 * <p>A missing tool skips its test with a loud message, except when the environment variable
 * {@code CI} is {@code true}: there the tools are part of the build ({@code .ci/run} installs
 * them) and a missing one fails.
 */
@Timeout(300)
class RealClientsTest {
  private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));

  @TempDir static Path tmp;
  static NbdFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = NbdFixture.start(NbdServer.Limits.defaults(), tmp.resolve("nbd.sock"), 128L << 20,
        64L << 20, 64L << 20);
  }

  @AfterAll
  static void stop() {
    if (f != null) {
      f.close();
    }
  }

  /** Skips (or, in CI, fails) unless every tool is on the PATH. */
  static void require(String... tools) {
    List<String> missing = new ArrayList<>();
    for (String t : tools) {
      boolean found = false;
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, t))) {
          found = true;
          break;
        }
      }
      if (!found) {
        missing.add(t);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    String msg = "NBD client tools missing: " + missing + " (apt-get install libnbd-bin "
        + "qemu-utils fio)";
    if (CI) {
      fail(msg + "; CI=true, so this is a failure: .ci/run installs them");
    }
    System.err.println("\n*** SKIPPED: " + msg + " ***\n");
    Assumptions.abort(msg);
  }

  record Result(int status, String out, String err) {
    @Override
    public String toString() {
      return "status=" + status + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  static Result run(Duration timeout, String... cmd) throws Exception {
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    // In the temporary directory: fio leaves its verify state files in the working directory.
    Process p = new ProcessBuilder(cmd).directory(tmp.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor();
      fail(String.join(" ", cmd) + " did not end within " + timeout + "\n"
          + Files.readString(out) + Files.readString(err));
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  static Result ok(Duration timeout, String... cmd) throws Exception {
    Result r = run(timeout, cmd);
    assertEquals(0, r.status(), String.join(" ", cmd) + "\n" + r);
    return r;
  }

  static Path randomFile(String name, long size, long seed, boolean holes) throws IOException {
    Path p = tmp.resolve(name);
    Random r = new Random(seed);
    byte[] buf = new byte[1 << 20];
    try (OutputStream o = Files.newOutputStream(p)) {
      for (long done = 0; done < size; done += buf.length) {
        if (holes && (done >> 20) % 3 == 1) {
          java.util.Arrays.fill(buf, (byte) 0); // every third MiB zero: sparse-friendly
        } else {
          r.nextBytes(buf);
        }
        o.write(buf, 0, (int) Math.min(buf.length, size - done));
      }
    }
    return p;
  }

  static String sha256(Path p) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(p)) {
      byte[] b = new byte[1 << 20];
      for (int n; (n = in.read(b)) > 0; ) {
        d.update(b, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  @Test
  void nbdinfoListsTheExportsWithSizeAndBlockSize() throws Exception {
    require("nbdinfo");
    for (String uri : List.of("nbd://127.0.0.1:" + f.tcp.getPort(),
        "nbd+unix:///?socket=" + f.unix)) {
      Result r = ok(Duration.ofSeconds(60), "nbdinfo", "--list", uri);
      for (String[] e : new String[][] {{"nvme0n1", "134217728"}, {"nvme0n2", "67108864"},
          {"nvme0n3", "67108864"}}) {
        int at = r.out().indexOf("export=\"" + e[0] + "\":");
        assertTrue(at >= 0, "export " + e[0] + " listed\n" + r);
        int end = r.out().indexOf("export=\"", at + 1);
        String section = r.out().substring(at, end < 0 ? r.out().length() : end);
        assertTrue(section.contains("export-size: " + e[1]), section);
        assertTrue(section.contains("block_size_minimum: 512"), section);
        assertTrue(section.contains("block_size_preferred: 4096"), section);
        assertTrue(section.contains("block_size_maximum: 33554432"), section);
        assertTrue(section.contains("description: jnvme " + e[0]), section);
        assertTrue(section.contains("can_multi_conn: true"), section);
      }
    }
  }

  @Test
  void nbdcopyOf128MiBOfRandomDataRoundTrips() throws Exception {
    require("nbdcopy");
    Path in = randomFile("in.bin", 128L << 20, 20261121L, false);
    Path out = tmp.resolve("out.bin");
    String uri = f.uri("nvme0n1");
    ok(Duration.ofSeconds(120), "nbdcopy", in.toString(), uri);
    ok(Duration.ofSeconds(120), "nbdcopy", uri, out.toString());
    assertEquals(sha256(in), sha256(out), "nbdcopy in and back out");
    // And over the Unix socket, with a single connection and synchronous requests.
    Path out2 = tmp.resolve("out2.bin");
    ok(Duration.ofSeconds(120), "nbdcopy", "--connections=1", "--synchronous",
        "nbd+unix:///nvme0n1?socket=" + f.unix, out2.toString());
    assertEquals(sha256(in), sha256(out2), "nbdcopy over the Unix socket");
  }

  @Test
  void qemuImgConvertsInAndOutAndComparesEqual() throws Exception {
    require("qemu-img");
    Path src = randomFile("src.raw", 64L << 20, 7L, true);
    Path back = tmp.resolve("back.raw");
    String uri = f.uri("nvme0n2");
    ok(Duration.ofSeconds(120), "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw",
        src.toString(), uri);
    ok(Duration.ofSeconds(120), "qemu-img", "compare", "-f", "raw", "-F", "raw", src.toString(),
        uri);
    ok(Duration.ofSeconds(120), "qemu-img", "convert", "-f", "raw", "-O", "raw", uri,
        back.toString());
    Result r = ok(Duration.ofSeconds(120), "qemu-img", "compare", "-f", "raw", "-F", "raw",
        src.toString(), back.toString());
    assertTrue(r.out().contains("Images are identical"), r.toString());
  }

  @Test
  void fioMixedRandomReadWriteVerifiesWhileHostileClientsComeAndGo() throws Exception {
    require("fio");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger attacks = new AtomicInteger();
    Thread hostile = new Thread(() -> {
      Random r = new Random(11);
      while (!stop.get()) {
        try (RawClient c = new RawClient(f.tcp)) {
          attack(c, r);
          attacks.incrementAndGet();
        } catch (IOException | RuntimeException | Error e) {
          // A reset or an assertion on a closed stream is what an attack may get.
          attacks.incrementAndGet();
        }
      }
    }, "hostile-clients");
    hostile.start();
    Result r;
    Path report = tmp.resolve("fio.txt");
    try {
      r = run(Duration.ofSeconds(120), "fio", "--output=" + report, "--name=jnvme-verify",
          "--ioengine=nbd",
          "--uri=" + f.uri("nvme0n3"), "--rw=randrw", "--bs=4k", "--iodepth=32",
          "--size=64M", "--time_based", "--runtime=20", "--verify=crc32c",
          "--verify_backlog=1024", "--verify_fatal=1", "--verify_state_save=0");
    } finally {
      stop.set(true);
      hostile.join(30_000);
    }
    r = new Result(r.status(), Files.exists(report) ? Files.readString(report) : r.out(), r.err());
    assertEquals(0, r.status(), r.toString());
    assertTrue(r.out().contains("err= 0"), r.toString());
    for (String bad : List.of("verify failed", "bad magic", "verify type mismatch", "error=")) {
      assertTrue(!r.out().contains(bad) && !r.err().contains(bad), bad + "\n" + r);
    }
    Matcher m = Pattern.compile("issued rwts: total=(\\d+),(\\d+)").matcher(r.out());
    assertTrue(m.find(), r.toString());
    assertTrue(Long.parseLong(m.group(1)) > 1000 && Long.parseLong(m.group(2)) > 1000,
        "reads and writes happened: " + m.group());
    assertTrue(attacks.get() > 10, "hostile connections made: " + attacks.get());
  }

  /** One malformed session, chosen at random. */
  static void attack(RawClient c, Random r) throws IOException {
    switch (r.nextInt(6)) {
      case 0 -> { // garbage instead of client flags
        c.hello();
        byte[] junk = new byte[1 + r.nextInt(64)];
        r.nextBytes(junk);
        c.out.write(junk);
      }
      case 1 -> { // an option claiming 4 GiB of data
        c.fixed();
        c.out.writeLong(Nbd.IHAVEOPT);
        c.out.writeInt(Nbd.OPT_GO);
        c.out.writeInt(-1);
      }
      case 2 -> { // a request with a bad magic
        c.fixed().go("nvme0n2");
        c.out.writeInt(r.nextInt());
        c.out.write(new byte[24]);
      }
      case 3 -> { // a write larger than the limit
        c.fixed().go("nvme0n2");
        c.request(0, Nbd.CMD_WRITE, 1, 0, 1 << 30, null);
      }
      case 4 -> { // a truncated request, then hang up
        c.fixed().go("nvme0n2");
        c.out.write(new byte[] {0x25, 0x60});
      }
      default -> { // unknown commands and flags, then a clean disconnect
        c.fixed().go("nvme0n2");
        c.request(0x4000, 77, 1, 0, 512, null);
        c.simpleReply();
        c.request(0, Nbd.CMD_DISC, 2, 0, 0, null);
      }
    }
    c.out.flush();
    c.socket.shutdownOutput();
    c.closedByServer();
  }
}
