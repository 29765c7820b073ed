package io.jnvme.driver.internal.shell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NvmeController;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvmeShellTest {
  @TempDir Path tmp;

  private final FakeController nvme0 =
      new FakeController("nvme0").namespace(1, 512, 4096).namespace(2, 4096, 256);
  private final FakeController nvme10 = new FakeController("nvme10").namespace(3, 512, 8);
  private final Map<String, NvmeController> controllers = new TreeMap<>(NvmeShell.NAME_ORDER);
  private final NvmeShell shell = new NvmeShell(() -> controllers);

  @BeforeEach
  void register() {
    controllers.put("nvme10", nvme10);
    controllers.put("nvme0", nvme0);
  }

  private String run(String function, String... args) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      shell.execute(function, Arrays.asList(args), out);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private IllegalArgumentException fails(String function, String... args) {
    return assertThrows(IllegalArgumentException.class, () -> run(function, args));
  }

  private static void assertContains(String expected, String actual) {
    assertTrue(actual.contains(expected), "expected <" + expected + "> in:\n" + actual);
  }

  // ---- list ------------------------------------------------------------------------------

  @Test
  @SuppressWarnings("unchecked")
  void listJsonNamesEveryControllerAndNamespaceWithSizes() throws Exception {
    for (String[] flags : new String[][] {{"-o", "json"}, {"--output-format=json"},
        {"--output-format", "json"}, {"-ojson"}}) {
      Map<String, Object> root = (Map<String, Object>) JsonParser.parse(run("list", flags));
      List<Map<String, Object>> devices = (List<Map<String, Object>>) root.get("Devices");
      assertEquals(2, devices.size());
      Map<String, Object> d0 = devices.get(0);
      assertEquals("nvme0", d0.get("Controller"));
      assertEquals("nvme10", devices.get(1).get("Controller"));
      assertEquals("emulated", d0.get("Transport"));
      assertEquals("JNVME0001", d0.get("SerialNumber"));
      assertEquals("jnvme emulated controller", d0.get("ModelNumber"));
      assertEquals("READY", d0.get("State"));
      List<Map<String, Object>> ns = (List<Map<String, Object>>) d0.get("Namespaces");
      assertEquals(2, ns.size());
      assertEquals("nvme0n1", ns.get(0).get("NameSpace"));
      assertEquals(1L, ns.get(0).get("NSID"));
      assertEquals(4096L * 512, ns.get(0).get("PhysicalSize"));
      assertEquals(512L, ns.get(0).get("SectorSize"));
      assertEquals(4096L, ns.get(0).get("MaximumLBA"));
      assertEquals("nvme0n2", ns.get(1).get("NameSpace"));
      assertEquals(256L * 4096, ns.get(1).get("PhysicalSize"));
      assertEquals(4096L, ns.get(1).get("SectorSize"));
      assertNull(ns.get(1).get("Owner"));
    }
  }

  @Test
  void listTextIsATableWithOneLinePerNamespace() throws Exception {
    String text = run("list");
    String[] lines = text.split("\n");
    assertTrue(lines[0].startsWith("Node"), text);
    assertTrue(lines[1].startsWith("-----"), text);
    assertEquals(5, lines.length, text);
    assertTrue(lines[2].startsWith("nvme0n1 "), text);
    assertContains("2.10 MB", lines[2]);
    assertContains("512 B + 0 B", lines[2]);
    assertTrue(lines[3].startsWith("nvme0n2 "), text);
    assertTrue(lines[4].startsWith("nvme10n3 "), text);
  }

  @Test
  void listWithNoControllersAndBadFormat() throws Exception {
    controllers.clear();
    assertEquals("{\n  \"Devices\": []\n}\n", run("list", "-o", "json"));
    assertContains("unsupported output format 'xml'", fails("list", "-o", "xml").getMessage());
    assertContains("unexpected argument 'nvme0'", fails("list", "nvme0").getMessage());
  }

  @Test
  void sizesInSiUnits() {
    assertEquals("512 B", NvmeShell.siBytes(512));
    assertEquals("268.44 MB", NvmeShell.siBytes(256L << 20));
    assertEquals("67.11 MB", NvmeShell.siBytes(64L << 20));
    assertEquals("1.00 TB", NvmeShell.siBytes(1_000_000_000_000L));
  }

  // ---- id-ctrl / id-ns -------------------------------------------------------------------

  @Test
  @SuppressWarnings("unchecked")
  void idCtrlJsonUsesNvmeCliKeys() throws Exception {
    Map<String, Object> m = (Map<String, Object>) JsonParser.parse(run("id-ctrl", "nvme0", "-o",
        "json"));
    assertEquals(0x1b36L, m.get("vid"));
    assertEquals(0x1af4L, m.get("ssvid"));
    assertEquals("JNVME0001", m.get("sn"));
    assertEquals("jnvme emulated controller", m.get("mn"));
    assertEquals("0.1.0", m.get("fr"));
    assertEquals(5L, m.get("mdts"));
    assertEquals(1L, m.get("cntlid"));
    assertEquals(0x20000L, m.get("ver"));
    assertEquals(256L, m.get("nn"));
    assertEquals(0x1dL, m.get("oncs"));
    assertEquals(0x66L, m.get("sqes"));
    assertEquals("nqn.2026-11.io.jnvme:nvme0", m.get("subnqn"));
    assertEquals(List.of("vid", "ssvid", "sn", "mn", "fr"),
        List.copyOf(m.keySet()).subList(0, 5));
  }

  @Test
  void idCtrlTextLooksLikeNvmeCli() throws Exception {
    String text = run("id-ctrl", "/dev/nvme0");
    assertTrue(text.startsWith("NVME Identify Controller:\n"), text);
    assertContains("vid       : 0x1b36\n", text);
    assertContains("sn        : JNVME0001\n", text);
    assertContains("mdts      : 5\n", text);
    assertContains("ver       : 0x20000\n", text);
    assertContains("nn        : 256\n", text);
    assertContains("oncs      : 0x1d\n", text);
  }

  @Test
  void idCtrlNamesWhatIsUnknown() {
    assertEquals("unknown controller 'nvme7'; controllers: nvme0, nvme10",
        fails("id-ctrl", "nvme7").getMessage());
    assertEquals("unknown controller 'nvme0n1' ('nvme0n1' is a namespace); controllers: nvme0, "
        + "nvme10", fails("id-ctrl", "nvme0n1").getMessage());
    assertContains("missing <controller>", fails("id-ctrl").getMessage());
    controllers.clear();
    assertEquals("unknown controller 'nvme0'; no NVMe controllers are registered",
        fails("id-ctrl", "nvme0").getMessage());
  }

  @Test
  @SuppressWarnings("unchecked")
  void idNsJsonAndText() throws Exception {
    Map<String, Object> m = (Map<String, Object>) JsonParser.parse(run("id-ns", "nvme0n1", "-o",
        "json"));
    assertEquals(4096L, m.get("nsze"));
    assertEquals(4096L, m.get("ncap"));
    assertEquals(1L, m.get("nlbaf"));
    assertEquals(0L, m.get("flbas"));
    assertEquals("0102030405060708090a0b0c0d0e0fff", m.get("nguid"));
    assertEquals("0000000000000000", m.get("eui64"));
    List<Map<String, Object>> lbafs = (List<Map<String, Object>>) m.get("lbafs");
    assertEquals(2, lbafs.size());
    assertEquals(Map.of("ms", 0L, "ds", 9L, "rp", 0L), lbafs.get(0));
    assertEquals(12L, lbafs.get(1).get("ds"));

    String text = run("id-ns", "nvme0", "-n", "2");
    assertTrue(text.startsWith("NVME Identify Namespace 2:\n"), text);
    assertContains("nsze      : 0x100\n", text);
    assertContains("lbaf  0 : ms:0   lbads:9  rp:0\n", text);
    assertContains("lbaf  1 : ms:0   lbads:12 rp:0 (in use)\n", text);
  }

  @Test
  void namespaceNamesAreCheckedAgainstActiveNamespaces() {
    assertEquals("unknown namespace 'nvme0n9': nvme0 has nvme0n1, nvme0n2",
        fails("id-ns", "nvme0n9").getMessage());
    assertEquals("unknown controller 'nvme3' in 'nvme3n1'; controllers: nvme0, nvme10",
        fails("id-ns", "nvme3n1").getMessage());
    assertContains("'sda' is not a namespace name like nvme0n1", fails("id-ns", "sda").getMessage());
    assertContains("'nvme0' is a controller: name a namespace (nvme0n1) or give -n",
        fails("id-ns", "nvme0").getMessage());
    assertContains("'nvme0n1' and -n/--namespace-id 2 name different namespaces",
        fails("id-ns", "nvme0n1", "-n", "2").getMessage());
    assertContains("NSID 0 is out of range", fails("id-ns", "nvme0n0").getMessage());
    assertContains("NSID 99999999999 is out of range", fails("id-ns", "nvme0n99999999999").getMessage());
  }

  // ---- read / write / flush --------------------------------------------------------------

  @Test
  void writeThenReadOneMebibyteRoundTripsInSplitCommands() throws Exception {
    byte[] data = new byte[1 << 20];
    new Random(42).nextBytes(data);
    Path in = Files.write(tmp.resolve("in.bin"), data);
    Path out = tmp.resolve("out.bin");
    Files.write(out, new byte[] {1, 2, 3}); // read truncates what was there

    String w = run("write", "nvme0n1", "-s", "0", "-c", "2047", "-z", "1048576", "-d",
        in.toString());
    assertEquals("write: Success (nvme0n1 blocks 0..2047, 1048576 bytes, 32 commands, from "
        + in + ")\n", w);
    byte[] stored = Arrays.copyOf(nvme0.namespaces.get(1).data, 1 << 20);
    assertArrayEquals(data, stored);

    String r = run("read", "nvme0n1", "--start-block=0", "--block-count=2047",
        "--data-size=1048576", "--data=" + out);
    assertContains("read: Success (nvme0n1 blocks 0..2047, 1048576 bytes, 32 commands", r);
    assertArrayEquals(data, Files.readAllBytes(out));

    // 32 commands of 64 blocks (the transfer limit) each way, one buffer per command line,
    // namespace opened as "shell" and closed again.
    assertEquals("open 1 shell", nvme0.log.get(0));
    assertEquals("allocate 32768", nvme0.log.get(1));
    assertEquals(32, nvme0.log.stream().filter(l -> l.startsWith("write ")).count());
    assertEquals(32, nvme0.log.stream().filter(l -> l.startsWith("read ")).count());
    assertTrue(nvme0.log.contains("write 1984 64"));
    assertEquals("close 1", nvme0.log.get(nvme0.log.size() - 1));
    assertNull(nvme0.namespaces.get(1).owner);
    assertTrue(nvme0.buffers.stream().allMatch(b -> b.toString().contains("closed")),
        nvme0.buffers.toString());
  }

  @Test
  void shortTransfersAndOffsetsAndFua() throws Exception {
    byte[] data = new byte[3 * 4096];
    new Random(1).nextBytes(data);
    Path in = Files.write(tmp.resolve("three.bin"), data);
    run("write", "nvme0", "-n", "2", "-s", "10", "-c", "2", "-z", "12288", "-d", in.toString(),
        "-f");
    assertTrue(nvme0.log.contains("write 10 3 fua"), nvme0.log.toString());
    assertArrayEquals(data, Arrays.copyOfRange(nvme0.namespaces.get(2).data, 10 * 4096,
        13 * 4096));
    Path out = tmp.resolve("o.bin");
    run("read", "nvme0n2", "-s", "11", "-z", "4096", "-d", out.toString());
    assertArrayEquals(Arrays.copyOfRange(data, 4096, 8192), Files.readAllBytes(out));
    assertTrue(nvme0.log.contains("read 11 1"), nvme0.log.toString());
  }

  @Test
  void readAndWriteExplainBadInput() throws Exception {
    Path in = Files.write(tmp.resolve("small.bin"), new byte[1000]);
    String f = in.toString();
    assertContains("nvme:read: missing option -z/--data-size <bytes>",
        fails("read", "nvme0n1", "-c", "0", "-d", f).getMessage());
    assertContains("nvme:write: missing option -d/--data <file>",
        fails("write", "nvme0n1", "-z", "512").getMessage());
    assertContains("option -s/--start-block: 'abc' is not a number",
        fails("read", "nvme0n1", "-s", "abc", "-z", "512", "-d", f).getMessage());
    assertContains("option -c/--block-count: '1.5' is not a number",
        fails("read", "nvme0n1", "-c", "1.5", "-z", "512", "-d", f).getMessage());
    assertEquals("nvme:read: -z/--data-size 1000 does not match the block count: -c 1 means 2 "
        + "blocks of 512 bytes = 1024 bytes (block count is zero based)",
        fails("read", "nvme0n1", "-c", "1", "-z", "1000", "-d", f).getMessage());
    assertEquals("nvme:write: data file " + tmp.resolve("nope.bin") + " not found",
        fails("write", "nvme0n1", "-z", "512", "-d", tmp.resolve("nope.bin").toString())
            .getMessage());
    assertEquals("nvme:write: data file " + f + " has 1000 bytes, but -z/--data-size asks for "
        + "1024", fails("write", "nvme0n1", "-c", "1", "-z", "1024", "-d", f).getMessage());
    assertContains("nvme:read: blocks 4095..4096 are past the end of nvme0n1 (4096 blocks of 512 "
        + "bytes)", fails("read", "nvme0n1", "-s", "4095", "-c", "1", "-z", "1024", "-d", f)
            .getMessage());
    assertContains("directory " + tmp.resolve("no/such") + " of -d",
        fails("read", "nvme0n1", "-z", "512", "-d", tmp.resolve("no/such/x.bin").toString())
            .getMessage());
    assertContains("unknown namespace 'nvme0n3'",
        fails("read", "nvme0n3", "-z", "512", "-d", f).getMessage());
    assertContains("usage: nvme:read <nvmeXnY>", fails("read", "-z", "512").getMessage());
    // Nothing stayed open after the failures.
    assertNull(nvme0.namespaces.get(1).owner);
    assertTrue(nvme0.buffers.stream().allMatch(b -> b.toString().contains("closed")));
  }

  @Test
  void aNamespaceInUseIsReportedByTheDriver() throws Exception {
    nvme0.namespaces.get(1).owner = "disk";
    NamespaceException e = assertThrows(NamespaceException.class, () -> run("flush", "nvme0n1"));
    assertEquals(NamespaceException.Reason.DUPLICATE, e.reason());
  }

  @Test
  void flushOpensFlushesAndCloses() throws Exception {
    assertEquals("NVMe Flush: success (nvme0n2)\n", run("flush", "nvme0n2"));
    assertEquals(List.of("open 2 shell", "flush 2", "close 2"), nvme0.log);
  }

  @Test
  void helpAndUnknownCommands() throws Exception {
    String help = run("read", "-h");
    assertTrue(help.startsWith("usage: nvme:read <nvmeXnY> -s <start-block> -c <block-count>"),
        help);
    assertContains("-z/--data-size <bytes>", help);
    assertContains("usage: nvme:list", run("list", "--help"));
    assertEquals("unknown command nvme:format (commands: nvme:list, nvme:id-ctrl, nvme:id-ns, "
        + "nvme:read, nvme:write, nvme:flush, nvme:ns-rescan, nvme:smart-log, nvme:error-log, nvme:get-feature, nvme:help)", fails("format").getMessage());
    String all = run("help");
    assertTrue(all.startsWith("nvme commands (nvme:<command> -h for its options):\n"), all);
    assertContains("  nvme:id-ctrl <nvmeX> [-o normal|json]\n", all);
    assertContains("  nvme:flush <nvmeXnY>\n", all);
    assertEquals(run("write", "--help"), run("help", "nvme:write"));
    assertContains("nvme:help: unknown command 'format'", fails("help", "format").getMessage());
  }

  @Test
  void componentDispatchesGogoMainAndTracksControllers() throws Exception {
    NvmeShellCommands c = new NvmeShellCommands();
    c.bindController(nvme0, Map.of(NvmeController.NAME, "nvme0"));
    FakeController replacement = new FakeController("nvme0").namespace(5, 512, 8);
    c.bindController(replacement, Map.of(NvmeController.NAME, "nvme0"));
    c.unbindController(nvme0, Map.of(NvmeController.NAME, "nvme0")); // late unbind of the old
    PrintStream saved = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      assertNull(c._main("list", "-o", "json"));
    } finally {
      System.setOut(saved);
    }
    assertContains("\"NameSpace\": \"nvme0n5\"", bytes.toString(StandardCharsets.UTF_8));
    assertThrows(IllegalArgumentException.class, () -> c._main());
  }

  @Test
  @SuppressWarnings("unchecked")
  void smartLogErrorLogAndGetFeatureUseNvmeCliKeys() throws Exception {
    Map<String, Object> smart = (Map<String, Object>) JsonParser.parse(
        run("smart-log", "nvme0", "-o", "json"));
    assertEquals(310L, smart.get("temperature"));
    assertEquals(100L, smart.get("avail_spare"));
    assertContains("temperature", run("smart-log", "nvme0"));
    assertContains("37 C", run("smart-log", "nvme0"));
    Map<String, Object> errors = (Map<String, Object>) JsonParser.parse(
        run("error-log", "nvme0", "-e", "2", "-o", "json"));
    assertEquals(1, ((List<Object>) errors.get("errors")).size(),
        "clamped to the controller's ELPE + 1");
    assertContains("get-feature:0x07 (NUMBER_OF_QUEUES), Current value:0x000f000f",
        run("get-feature", "nvme0", "-f", "7"));
    Map<String, Object> f = (Map<String, Object>) JsonParser.parse(
        run("get-feature", "nvme0", "--feature-id=0x7", "-o", "json"));
    assertEquals(0x000F000FL, f.get("value"));
    assertContains("missing option", fails("get-feature", "nvme0").getMessage());
    assertContains("not 0..255", fails("get-feature", "nvme0", "-f", "300").getMessage());
    assertContains("unknown controller", fails("smart-log", "nvme7").getMessage());
  }

  @Test
  void aHeldNamespaceIsUsedThroughItsOwnersLender() throws Exception {
    io.jnvme.driver.NamespaceHandle held = nvme0.open(1, "disk");
    java.util.List<String> lent = new java.util.ArrayList<>();
    io.jnvme.driver.NamespaceLender lender = new io.jnvme.driver.NamespaceLender() {
      @Override
      public <T> T withHandle(Task<T> task) throws io.jnvme.driver.NvmeException {
        lent.add("lent");
        return task.run(held);
      }
    };
    NvmeShell withLender = new NvmeShell(() -> controllers,
        (c, nsid) -> java.util.Optional.ofNullable(
            c.equals("nvme0") && nsid == 1 ? lender : null));
    byte[] data = new byte[4096];
    new java.util.Random(3).nextBytes(data);
    Path in = java.nio.file.Files.write(tmp.resolve("lent-in.bin"), data);
    Path out = tmp.resolve("lent-out.bin");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      withLender.execute("write", List.of("nvme0n1", "-s", "0", "-c", "7", "-z", "4096", "-d",
          in.toString()), o);
      withLender.execute("read", List.of("nvme0n1", "-s", "0", "-c", "7", "-z", "4096", "-d",
          out.toString()), o);
    }
    assertEquals(2, lent.size(), "both went through the owner");
    assertArrayEquals(data, java.nio.file.Files.readAllBytes(out));
    // Without a lender the shell still reports the holder, as before.
    io.jnvme.driver.NamespaceException e = assertThrows(io.jnvme.driver.NamespaceException.class,
        () -> run("flush", "nvme0n1"));
    assertEquals(io.jnvme.driver.NamespaceException.Reason.DUPLICATE, e.reason());
    held.close();
  }
}
