package io.jnvme.driver.internal.shell;

import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerInfo;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NamespaceInfo;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The {@code nvme:*} shell commands, with nvme-cli's names, options and output layout, as plain
 * Java: the OSGi component {@link NvmeShellCommands} only feeds it the controller services.
 *
 * <p>Devices are named like Linux's: controllers {@code nvme0}, namespaces {@code nvme0n1}
 * (controller name, {@code n}, NSID). Every failure is an exception whose message says what was
 * wrong: usage errors are {@link IllegalArgumentException}s, driver errors {@link NvmeException}s.
 */
final class NvmeShell {
  /** The owner recorded for the namespaces the shell opens. */
  static final String OWNER = "shell";

  /** The commands, as Gogo function names. */
  static final List<String> COMMANDS =
      List.of("list", "id-ctrl", "id-ns", "read", "write", "flush", "ns-rescan", "smart-log", "error-log", "get-feature", "help");

  /** Orders nvme2 before nvme10. */
  static final Comparator<String> NAME_ORDER =
      Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder());

  private static final Pattern NAMESPACE_NAME = Pattern.compile("(.+)n(\\d+)");

  private static final Args.Option HELP = new Args.Option("h", "help", null, "show this help");
  private static final Args.Option OUTPUT = new Args.Option("o", "output-format", "fmt",
      "output format: normal|json");
  private static final Args.Option NSID = new Args.Option("n", "namespace-id", "nsid",
      "namespace id, when <device> is a controller");
  private static final Args.Option START = new Args.Option("s", "start-block", "lba",
      "first logical block (default 0)");
  private static final Args.Option COUNT = new Args.Option("c", "block-count", "n",
      "number of blocks, zero based: 0 means one block (default 0)");
  private static final Args.Option SIZE = new Args.Option("z", "data-size", "bytes",
      "data size in bytes: (block-count + 1) * LBA size");
  private static final Args.Option DATA = new Args.Option("d", "data", "file",
      "file to write the data to (read) or to take it from (write)");
  private static final Args.Option FUA = new Args.Option("f", "force-unit-access", null,
      "write through to media (FUA)");

  private static final List<Args.Option> LIST_OPTIONS = List.of(OUTPUT, HELP);
  private static final List<Args.Option> ID_CTRL_OPTIONS = List.of(OUTPUT, HELP);
  private static final List<Args.Option> ID_NS_OPTIONS = List.of(NSID, OUTPUT, HELP);
  private static final List<Args.Option> READ_OPTIONS =
      List.of(START, COUNT, SIZE, DATA, NSID, HELP);
  private static final List<Args.Option> WRITE_OPTIONS =
      List.of(START, COUNT, SIZE, DATA, FUA, NSID, HELP);
  private static final List<Args.Option> FLUSH_OPTIONS = List.of(NSID, HELP);

  private static final String LIST_USAGE = "nvme:list [-o normal|json]";
  private static final String ID_CTRL_USAGE = "nvme:id-ctrl <nvmeX> [-o normal|json]";
  private static final String ID_NS_USAGE = "nvme:id-ns <nvmeXnY> [-o normal|json]";
  private static final String READ_USAGE =
      "nvme:read <nvmeXnY> -s <start-block> -c <block-count> -z <data-size> -d <file>";
  private static final String WRITE_USAGE =
      "nvme:write <nvmeXnY> -s <start-block> -c <block-count> -z <data-size> -d <file> [-f]";
  private static final String FLUSH_USAGE = "nvme:flush <nvmeXnY>";
  private static final String NS_RESCAN_USAGE = "nvme:ns-rescan <nvmeX>";
  private static final String SMART_LOG_USAGE = "nvme:smart-log <nvmeX> [-o normal|json]";
  private static final String ERROR_LOG_USAGE =
      "nvme:error-log <nvmeX> [-e <entries>] [-o normal|json]";
  private static final String GET_FEATURE_USAGE =
      "nvme:get-feature <nvmeX> -f <feature-id> [-n <nsid>] [-c <cdw11>] [-o normal|json]";
  private static final Args.Option ENTRIES = new Args.Option("e", "log-entries", "n",
      "number of error log entries to show (default 8)");
  private static final Args.Option FEATURE = new Args.Option("f", "feature-id", "fid",
      "feature identifier (e.g. 7 = Number of Queues, 0x0b = Async Event Configuration)");
  private static final Args.Option CDW11 = new Args.Option("c", "cdw11", "value",
      "command dword 11 of Get Features");
  private static final List<Args.Option> SMART_LOG_OPTIONS = List.of(OUTPUT, HELP);
  private static final List<Args.Option> ERROR_LOG_OPTIONS = List.of(ENTRIES, OUTPUT, HELP);
  private static final List<Args.Option> GET_FEATURE_OPTIONS =
      List.of(FEATURE, NSID, CDW11, OUTPUT, HELP);
  private static final List<Args.Option> NS_RESCAN_OPTIONS = List.of(HELP);

  private final Supplier<Map<String, NvmeController>> controllers;

  /**
   * @param controllers the controllers by name, looked up afresh for each command
   */
  NvmeShell(Supplier<Map<String, NvmeController>> controllers) {
    this(controllers, (controller, nsid) -> java.util.Optional.empty());
  }

  /**
   * @param lenders finds the owner that lends a namespace which the shell cannot open itself
   *     (it is held, e.g. by the disk layer)
   */
  NvmeShell(Supplier<Map<String, NvmeController>> controllers,
      java.util.function.BiFunction<String, Integer,
          java.util.Optional<io.jnvme.driver.NamespaceLender>> lenders) {
    this.controllers = controllers;
    this.lenders = lenders;
  }

  private final java.util.function.BiFunction<String, Integer,
      java.util.Optional<io.jnvme.driver.NamespaceLender>> lenders;
  /** How long a held namespace's lender may take to appear (it follows the holder's open). */
  private static final long LENDER_WAIT_NANOS = 3_000_000_000L;

  /**
   * Runs {@code task} on the namespace: opened with owner {@code shell} and closed after, or,
   * when someone holds it (DUPLICATE), through the holder's {@link io.jnvme.driver.NamespaceLender},
   * so the holder stays its only owner. File I/O inside the task travels as
   * {@link java.io.UncheckedIOException}.
   */
  private <T> T withHandle(Target t, io.jnvme.driver.NamespaceLender.Task<T> task)
      throws NvmeException, IOException {
    try {
      NamespaceHandle h;
      try {
        h = t.controller().open(t.nsid(), OWNER);
      } catch (io.jnvme.driver.NamespaceException e) {
        if (e.reason() != io.jnvme.driver.NamespaceException.Reason.DUPLICATE) {
          throw e;
        }
        // The holder registers its lender just after it opens the namespace: give it a moment.
        long deadline = System.nanoTime() + LENDER_WAIT_NANOS;
        java.util.Optional<io.jnvme.driver.NamespaceLender> lender =
            lenders.apply(t.controller().name(), t.nsid());
        while (lender.isEmpty() && System.nanoTime() < deadline) {
          java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
          lender = lenders.apply(t.controller().name(), t.nsid());
        }
        if (lender.isEmpty()) {
          throw e;
        }
        return lender.get().withHandle(task);
      }
      try (h) {
        return task.run(h);
      }
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * Runs one command.
   *
   * @param function the command name without scope, e.g. {@code id-ctrl}
   * @param args its arguments
   * @param out where the command's output goes
   * @throws IllegalArgumentException for a usage error
   * @throws NvmeException if the driver fails
   * @throws IOException if the data file cannot be read or written
   */
  void execute(String function, List<String> args, PrintStream out)
      throws NvmeException, IOException {
    String command = "nvme:" + function;
    switch (function) {
      case "list" -> list(Args.parse(command, args, LIST_OPTIONS), out);
      case "id-ctrl" -> idCtrl(Args.parse(command, args, ID_CTRL_OPTIONS), out);
      case "id-ns" -> idNs(Args.parse(command, args, ID_NS_OPTIONS), out);
      case "read" -> read(Args.parse(command, args, READ_OPTIONS), out);
      case "write" -> write(Args.parse(command, args, WRITE_OPTIONS), out);
      case "flush" -> flush(Args.parse(command, args, FLUSH_OPTIONS), out);
      case "ns-rescan" -> nsRescan(Args.parse(command, args, NS_RESCAN_OPTIONS), out);
      case "smart-log" -> smartLog(Args.parse(command, args, SMART_LOG_OPTIONS), out);
      case "error-log" -> errorLog(Args.parse(command, args, ERROR_LOG_OPTIONS), out);
      case "get-feature" -> getFeature(Args.parse(command, args, GET_FEATURE_OPTIONS), out);
      case "help" -> help(Args.parse(command, args, List.of(HELP)), out);
      default -> throw new IllegalArgumentException(
          "unknown command " + command + " (commands: "
              + COMMANDS.stream().map(c -> "nvme:" + c).collect(Collectors.joining(", ")) + ")");
    }
  }

  // ---- list -------------------------------------------------------------------------------

  private void list(Args a, PrintStream out) {
    if (help(a, LIST_USAGE, LIST_OPTIONS, out)) {
      return;
    }
    a.none(LIST_USAGE);
    boolean json = json(a);
    List<Map<String, Object>> devices = new ArrayList<>();
    for (Map.Entry<String, NvmeController> e : controllers.get().entrySet()) {
      devices.add(describe(e.getKey(), e.getValue()));
    }
    if (json) {
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("Devices", devices);
      out.println(Json.write(root));
    } else {
      out.print(listText(devices));
    }
  }

  /** One controller and its namespaces, with nvme-cli's {@code list} keys where it has them. */
  private static Map<String, Object> describe(String name, NvmeController c) {
    Map<String, Object> d = new LinkedHashMap<>();
    ControllerInfo info = c.info();
    d.put("Controller", name);
    d.put("Transport", c.transport());
    d.put("Address", c.deviceId());
    d.put("State", String.valueOf(c.state()));
    d.put("SerialNumber", info == null ? null : trimmed(info.serialNumber()));
    d.put("ModelNumber", info == null ? null : trimmed(info.modelNumber()));
    d.put("Firmware", info == null ? null : trimmed(info.firmwareRevision()));
    d.put("Cntlid", info == null ? null : info.cntlid());
    List<Map<String, Object>> namespaces = new ArrayList<>();
    try {
      for (NamespaceInfo ns : sorted(c.namespaces())) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("NameSpace", name + "n" + ns.nsid());
        n.put("NSID", ns.nsid());
        n.put("PhysicalSize", ns.sizeBytes());
        n.put("SectorSize", ns.blockSize());
        n.put("MaximumLBA", ns.blockCount());
        n.put("State", ns.state());
        n.put("Owner", ns.owner());
        namespaces.add(n);
      }
    } catch (NvmeException e) {
      d.put("Error", e.getMessage());
    }
    d.put("Namespaces", namespaces);
    return d;
  }

  private static String trimmed(String s) {
    return s == null ? null : s.strip();
  }

  private static List<NamespaceInfo> sorted(List<NamespaceInfo> list) {
    List<NamespaceInfo> s = new ArrayList<>(list);
    s.sort(Comparator.comparingInt(NamespaceInfo::nsid));
    return s;
  }

  /** nvme-cli's {@code list} table: one line per namespace. */
  @SuppressWarnings("unchecked")
  static String listText(List<Map<String, Object>> devices) {
    String format = "%-16s %-20s %-40s %-9s %-12s %-16s %-8s %s%n";
    StringBuilder s = new StringBuilder();
    s.append(String.format(format, "Node", "SN", "Model", "Namespace", "Usage", "Format",
        "FW Rev", "Owner"));
    s.append(String.format(format, "-".repeat(16), "-".repeat(20), "-".repeat(40), "-".repeat(9),
        "-".repeat(12), "-".repeat(16), "-".repeat(8), "-".repeat(8)));
    for (Map<String, Object> d : devices) {
      List<Map<String, Object>> namespaces = (List<Map<String, Object>>) d.get("Namespaces");
      for (Map<String, Object> n : namespaces) {
        s.append(String.format(format, n.get("NameSpace"), d.get("SerialNumber"),
            d.get("ModelNumber"), n.get("NSID"), siBytes((Long) n.get("PhysicalSize")),
            n.get("SectorSize") + " B + 0 B", d.get("Firmware"),
            n.get("Owner") == null ? "-" : n.get("Owner")));
      }
      if (namespaces.isEmpty()) {
        s.append(String.format("%-16s %-20s %-40s (no namespaces%s)%n", d.get("Controller"),
            d.get("SerialNumber"), d.get("ModelNumber"),
            d.containsKey("Error") ? ": " + d.get("Error") : ""));
      }
    }
    return s.toString();
  }

  /** Bytes in SI units with two decimals, as nvme-cli shows sizes ({@code 268.44 MB}). */
  static String siBytes(long bytes) {
    String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    double v = bytes;
    int u = 0;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.2f %s", v, units[u]);
  }

  // ---- id-ctrl / id-ns -------------------------------------------------------------------

  private void idCtrl(Args a, PrintStream out) {
    if (help(a, ID_CTRL_USAGE, ID_CTRL_OPTIONS, out)) {
      return;
    }
    String name = strip(a.single("<controller>", ID_CTRL_USAGE));
    boolean json = json(a);
    NvmeController c = controller(name);
    List<IdentifyFields.Field> fields = IdentifyFields.controller(c.identifyController());
    if (json) {
      out.println(Json.write(IdentifyFields.json(fields)));
    } else {
      StringBuilder s = new StringBuilder("NVME Identify Controller:\n");
      IdentifyFields.text(s, fields);
      out.print(s);
    }
  }

  private void idNs(Args a, PrintStream out) throws NvmeException {
    if (help(a, ID_NS_USAGE, ID_NS_OPTIONS, out)) {
      return;
    }
    Target t = namespace(a, a.single("<namespace>", ID_NS_USAGE), ID_NS_USAGE);
    boolean json = json(a);
    ByteBuffer raw = t.controller().identifyNamespace(t.nsid());
    List<IdentifyFields.Field> fields = IdentifyFields.namespace(raw);
    List<IdentifyFields.Lbaf> lbafs = IdentifyFields.lbafs(raw);
    if (json) {
      Map<String, Object> m = IdentifyFields.json(fields);
      List<Map<String, Object>> formats = new ArrayList<>();
      for (IdentifyFields.Lbaf l : lbafs) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("ms", l.format().ms());
        f.put("ds", l.format().lbads());
        f.put("rp", l.format().rp());
        formats.add(f);
      }
      m.put("lbafs", formats);
      out.println(Json.write(m));
    } else {
      StringBuilder s = new StringBuilder("NVME Identify Namespace " + t.nsid() + ":\n");
      IdentifyFields.text(s, fields);
      for (IdentifyFields.Lbaf l : lbafs) {
        s.append(String.format("lbaf %2d : ms:%-3d lbads:%-2d rp:%d%s%n", l.index(),
            l.format().ms(), l.format().lbads(), l.format().rp(), l.inUse() ? " (in use)" : ""));
      }
      out.print(s);
    }
  }

  // ---- read / write / flush --------------------------------------------------------------

  /** What -s, -c, -z and -d ask for. */
  record Transfer(long startBlock, long blocks, long dataSize, Path file) {}

  /** Parses and checks the options of read and write that do not need the device. */
  static Transfer transfer(Args a) {
    long start = a.number(START, 0, 0);
    long countZ = a.number(COUNT, 0, 0);
    long size = a.requiredNumber(SIZE, 1);
    String file = a.required(DATA);
    if (countZ == Long.MAX_VALUE) {
      throw new IllegalArgumentException("option -c/--block-count: too large");
    }
    return new Transfer(start, countZ + 1, size, Path.of(file));
  }

  private void read(Args a, PrintStream out) throws NvmeException, IOException {
    if (help(a, READ_USAGE, READ_OPTIONS, out)) {
      return;
    }
    Target t = namespace(a, a.single("<namespace>", READ_USAGE), READ_USAGE);
    Transfer x = transfer(a);
    Path parent = x.file().toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new IllegalArgumentException("nvme:read: directory " + parent + " of -d "
          + x.file() + " does not exist");
    }
    int commands = withHandle(t, h -> {
      int chunk = check("nvme:read", t, h, x);
      int count = 0;
      try (MemoryBlock buf = t.controller().allocateBuffer((long) chunk * h.blockSize());
          FileChannel file = FileChannel.open(x.file(), StandardOpenOption.WRITE,
              StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
        for (long done = 0; done < x.blocks(); done += chunk) {
          int n = (int) Math.min(chunk, x.blocks() - done);
          h.read(x.startBlock() + done, n, buf, 0);
          count++;
          ByteBuffer data = buf.buffer().duplicate();
          data.limit(n * h.blockSize()).position(0);
          while (data.hasRemaining()) {
            file.write(data);
          }
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return count;
    });
    out.println("read: Success (" + t.name() + " blocks " + x.startBlock() + ".."
        + (x.startBlock() + x.blocks() - 1) + ", " + x.dataSize() + " bytes, " + commands
        + (commands == 1 ? " command" : " commands") + ", to " + x.file() + ")");
  }

  private void write(Args a, PrintStream out) throws NvmeException, IOException {
    if (help(a, WRITE_USAGE, WRITE_OPTIONS, out)) {
      return;
    }
    Target t = namespace(a, a.single("<namespace>", WRITE_USAGE), WRITE_USAGE);
    Transfer x = transfer(a);
    boolean fua = a.has(FUA);
    long fileSize;
    try {
      fileSize = Files.size(x.file());
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("nvme:write: data file " + x.file() + " not found");
    }
    if (!Files.isRegularFile(x.file())) {
      throw new IllegalArgumentException("nvme:write: " + x.file() + " is not a regular file");
    }
    if (fileSize < x.dataSize()) {
      throw new IllegalArgumentException("nvme:write: data file " + x.file() + " has "
          + fileSize + " bytes, but -z/--data-size asks for " + x.dataSize());
    }
    int commands = withHandle(t, h -> {
      int chunk = check("nvme:write", t, h, x);
      int count = 0;
      try (MemoryBlock buf = t.controller().allocateBuffer((long) chunk * h.blockSize());
          FileChannel file = FileChannel.open(x.file(), StandardOpenOption.READ)) {
        for (long done = 0; done < x.blocks(); done += chunk) {
          int n = (int) Math.min(chunk, x.blocks() - done);
          ByteBuffer data = buf.buffer().duplicate();
          data.limit(n * h.blockSize()).position(0);
          while (data.hasRemaining()) {
            if (file.read(data) < 0) {
              throw new IOException("nvme:write: " + x.file() + " ended early");
            }
          }
          h.write(x.startBlock() + done, n, buf, 0, fua);
          count++;
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return count;
    });
    out.println("write: Success (" + t.name() + " blocks " + x.startBlock() + ".."
        + (x.startBlock() + x.blocks() - 1) + ", " + x.dataSize() + " bytes, " + commands
        + (commands == 1 ? " command" : " commands") + ", from " + x.file() + ")");
  }

  /**
   * Checks the transfer against the namespace.
   *
   * @return blocks per command: the namespace's transfer limit, or fewer for a short transfer
   */
  static int check(String command, Target t, NamespaceHandle h, Transfer x) {
    int bs = h.blockSize();
    long expected;
    try {
      expected = Math.multiplyExact(x.blocks(), (long) bs);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(command + ": -c/--block-count " + (x.blocks() - 1)
          + " is too large");
    }
    if (x.dataSize() != expected) {
      throw new IllegalArgumentException(command + ": -z/--data-size " + x.dataSize()
          + " does not match the block count: -c " + (x.blocks() - 1) + " means " + x.blocks()
          + (x.blocks() == 1 ? " block" : " blocks") + " of " + bs + " bytes = " + expected
          + " bytes (block count is zero based)");
    }
    if (x.startBlock() > h.blockCount() || x.blocks() > h.blockCount() - x.startBlock()) {
      throw new IllegalArgumentException(command + ": blocks " + x.startBlock() + ".."
          + (x.startBlock() + x.blocks() - 1) + " are past the end of " + t.name() + " ("
          + h.blockCount() + " blocks of " + bs + " bytes)");
    }
    int max = h.maxTransferBlocks();
    if (max <= 0) {
      throw new IllegalStateException(t.name() + " reports a transfer limit of " + max
          + " blocks");
    }
    return (int) Math.min(max, x.blocks());
  }

  private void flush(Args a, PrintStream out) throws NvmeException, IOException {
    if (help(a, FLUSH_USAGE, FLUSH_OPTIONS, out)) {
      return;
    }
    Target t = namespace(a, a.single("<namespace>", FLUSH_USAGE), FLUSH_USAGE);
    withHandle(t, h -> {
      h.flush();
      return null;
    });
    out.println("NVMe Flush: success (" + t.name() + ")");
  }

  /**
   * {@code nvme:ns-rescan}: identifies the controller's namespaces again, as a namespace-changed
   * event would, and prints what it found.
   */
  private void nsRescan(Args a, PrintStream out) throws NvmeException {
    if (help(a, NS_RESCAN_USAGE, NS_RESCAN_OPTIONS, out)) {
      return;
    }
    String name = strip(a.single("<controller>", NS_RESCAN_USAGE));
    NvmeController c = controller(name);
    c.rescanNamespaces();
    for (io.jnvme.driver.NamespaceInfo ns : c.namespaces()) {
      out.println(name + "n" + ns.nsid() + ": " + ns.state() + ", " + ns.blockCount() + " blocks of "
          + ns.blockSize() + " bytes" + (ns.owner() != null ? ", held by " + ns.owner() : ""));
    }
  }

  /** {@code nvme:smart-log}: the SMART / Health Information log (02h), nvme-cli's keys. */
  private void smartLog(Args a, PrintStream out) throws NvmeException {
    if (help(a, SMART_LOG_USAGE, SMART_LOG_OPTIONS, out)) {
      return;
    }
    String name = strip(a.single("<controller>", SMART_LOG_USAGE));
    io.jnvme.spec.SmartHealthLog log = new io.jnvme.spec.SmartHealthLog().wrap(
        controller(name).logPage(io.jnvme.spec.LogPageId.SMART_HEALTH.raw(), -1,
            io.jnvme.spec.SmartHealthLog.SIZE), 0);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("critical_warning", log.criticalWarning());
    m.put("temperature", log.compositeTemperature());
    m.put("avail_spare", log.availableSpare());
    m.put("spare_thresh", log.availableSpareThreshold());
    m.put("percent_used", log.percentageUsed());
    m.put("data_units_read", log.dataUnitsRead());
    m.put("data_units_written", log.dataUnitsWritten());
    m.put("host_read_commands", log.hostReadCommands());
    m.put("host_write_commands", log.hostWriteCommands());
    m.put("controller_busy_time", log.controllerBusyTime());
    m.put("power_cycles", log.powerCycles());
    m.put("power_on_hours", log.powerOnHours());
    m.put("unsafe_shutdowns", log.unsafeShutdowns());
    m.put("media_errors", log.mediaErrors());
    m.put("num_err_log_entries", log.errorLogEntries());
    if (json(a)) {
      out.println(Json.write(m));
      return;
    }
    StringBuilder s = new StringBuilder("Smart Log for NVME device:" + name
        + " namespace-id:ffffffff\n");
    m.forEach((k, v) -> s.append(String.format("%-36s: %s%n", k, k.equals("temperature")
        ? v + " K (" + ((int) v - 273) + " C)" : v)));
    out.print(s);
  }

  /** {@code nvme:error-log}: the Error Information log (01h), newest entries first. */
  private void errorLog(Args a, PrintStream out) throws NvmeException {
    if (help(a, ERROR_LOG_USAGE, ERROR_LOG_OPTIONS, out)) {
      return;
    }
    String name = strip(a.single("<controller>", ERROR_LOG_USAGE));
    NvmeController c = controller(name);
    int max = c.identifyController().get(io.jnvme.spec.IdentifyController.ELPE_OFFSET) + 1;
    int entries = (int) Math.min(Math.min(max & 0xFF, 64), a.number(ENTRIES, 8, 1));
    java.nio.ByteBuffer raw = c.logPage(io.jnvme.spec.LogPageId.ERROR_INFORMATION.raw(), -1,
        entries * io.jnvme.spec.ErrorLogEntry.SIZE);
    List<Map<String, Object>> list = new java.util.ArrayList<>();
    for (int i = 0; i < entries; i++) {
      io.jnvme.spec.ErrorLogEntry e = new io.jnvme.spec.ErrorLogEntry().wrap(raw,
          i * io.jnvme.spec.ErrorLogEntry.SIZE);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("error_count", e.errorCount());
      m.put("sqid", e.sqid());
      m.put("cmdid", e.cid());
      m.put("status_field", e.statusWord());
      m.put("status", e.status().toString());
      m.put("parm_err_loc", e.parameterErrorLocation());
      m.put("lba", e.lba());
      m.put("nsid", Integer.toUnsignedLong(e.nsid()));
      list.add(m);
    }
    if (json(a)) {
      out.println(Json.write(Map.of("errors", list)));
      return;
    }
    StringBuilder s = new StringBuilder("Error Log Entries for device:" + name + " entries:"
        + entries + "\n");
    for (int i = 0; i < list.size(); i++) {
      s.append("Entry[").append(i).append("]\n");
      list.get(i).forEach((k, v) -> s.append(String.format("  %-14s: %s%n", k, v)));
    }
    out.print(s);
  }

  /** {@code nvme:get-feature}: Get Features, current value. */
  private void getFeature(Args a, PrintStream out) throws NvmeException {
    if (help(a, GET_FEATURE_USAGE, GET_FEATURE_OPTIONS, out)) {
      return;
    }
    String name = strip(a.single("<controller>", GET_FEATURE_USAGE));
    long fid = a.requiredNumber(FEATURE, 0);
    if (fid > 0xFF) {
      throw new IllegalArgumentException("nvme:get-feature: feature id " + fid + " is not 0..255");
    }
    int nsid = (int) a.number(NSID, 0, 0);
    int cdw11 = (int) a.number(CDW11, 0, 0);
    int value = controller(name).feature((int) fid, nsid, cdw11);
    String fname = new io.jnvme.spec.FeatureId((int) fid).name();
    if (json(a)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("feature_id", fid);
      m.put("name", fname);
      m.put("value", Integer.toUnsignedLong(value));
      out.println(Json.write(m));
      return;
    }
    out.printf("get-feature:0x%02x (%s), Current value:0x%08x%n", fid, fname, value);
  }

  // ---- names -----------------------------------------------------------------------------

  /**
   * A namespace named on the command line.
   *
   * @param name e.g. {@code nvme0n1}
   * @param controller its controller
   * @param nsid its NSID
   */
  record Target(String name, NvmeController controller, int nsid) {}

  /**
   * Resolves {@code nvme0n1}, or {@code nvme0} with {@code -n 1}, to an active namespace.
   *
   * @throws IllegalArgumentException naming what is unknown and what exists
   */
  Target namespace(Args a, String arg, String usage) throws NvmeException {
    String device = strip(arg);
    Map<String, NvmeController> all = controllers.get();
    String controllerName;
    long nsid;
    if (all.containsKey(device)) {
      controllerName = device;
      if (a.value(NSID).isEmpty()) {
        throw new IllegalArgumentException("'" + device + "' is a controller: name a namespace "
            + "(" + device + "n1) or give -n/--namespace-id; usage: " + usage);
      }
      nsid = a.number(NSID, 0, 1);
    } else {
      Matcher m = NAMESPACE_NAME.matcher(device);
      if (!m.matches()) {
        throw new IllegalArgumentException("'" + arg + "' is not a namespace name like nvme0n1"
            + known(all));
      }
      controllerName = m.group(1);
      if (!all.containsKey(controllerName)) {
        throw new IllegalArgumentException("unknown controller '" + controllerName + "' in '"
            + arg + "'" + known(all));
      }
      try {
        nsid = Long.parseLong(m.group(2));
      } catch (NumberFormatException e) {
        nsid = 0;
      }
      if (nsid < 1 || nsid > 0xFFFF_FFFEL) {
        throw new IllegalArgumentException("'" + arg + "': NSID " + m.group(2)
            + " is out of range 1..4294967294");
      }
      long n = a.number(NSID, nsid, 1);
      if (n != nsid) {
        throw new IllegalArgumentException("'" + arg + "' and -n/--namespace-id " + n
            + " name different namespaces");
      }
    }
    NvmeController c = all.get(controllerName);
    List<NamespaceInfo> active = sorted(c.namespaces());
    String name = controllerName + "n" + nsid;
    long wanted = nsid;
    if (active.stream().noneMatch(ns -> ns.nsid() == wanted)) {
      throw new IllegalArgumentException("unknown namespace '" + name + "': " + controllerName
          + (active.isEmpty() ? " has no active namespaces" : " has "
              + active.stream().map(ns -> controllerName + "n" + ns.nsid())
                  .collect(Collectors.joining(", "))));
    }
    return new Target(name, c, (int) nsid);
  }

  private NvmeController controller(String name) {
    Map<String, NvmeController> all = controllers.get();
    NvmeController c = all.get(name);
    if (c == null) {
      String why = NAMESPACE_NAME.matcher(name).matches() && all.containsKey(
          name.substring(0, name.lastIndexOf('n'))) ? " ('" + name + "' is a namespace)" : "";
      throw new IllegalArgumentException("unknown controller '" + name + "'" + why + known(all));
    }
    return c;
  }

  private static String known(Map<String, NvmeController> all) {
    return all.isEmpty()
        ? "; no NVMe controllers are registered"
        : "; controllers: " + String.join(", ", all.keySet());
  }

  /** Accepts Linux-style {@code /dev/nvme0n1} too. */
  private static String strip(String device) {
    return device.startsWith("/dev/") ? device.substring("/dev/".length()) : device;
  }

  // ---- options ---------------------------------------------------------------------------

  private static boolean json(Args a) {
    String f = a.value(OUTPUT).orElse("normal");
    return switch (f) {
      case "json" -> true;
      case "normal" -> false;
      default -> throw new IllegalArgumentException("unsupported output format '" + f
          + "' (-o/--output-format normal|json)");
    };
  }

  private static boolean help(Args a, String usage, List<Args.Option> options, PrintStream out) {
    if (!a.has(HELP)) {
      return false;
    }
    out.print(usage(usage, options));
    return true;
  }

  private static String usage(String usage, List<Args.Option> options) {
    StringBuilder s = new StringBuilder("usage: ").append(usage).append('\n');
    for (Args.Option o : options) {
      String left = o.display() + (o.takesValue() ? " <" + o.valueName() + ">" : "");
      s.append(String.format("  %-28s %s%n", left, o.help()));
    }
    return s.toString();
  }

  /** {@code nvme:help}: every command's usage line, or one command's options. */
  private static void help(Args a, PrintStream out) {
    Map<String, String> usages = new LinkedHashMap<>();
    usages.put("list", LIST_USAGE);
    usages.put("id-ctrl", ID_CTRL_USAGE);
    usages.put("id-ns", ID_NS_USAGE);
    usages.put("read", READ_USAGE);
    usages.put("write", WRITE_USAGE);
    usages.put("flush", FLUSH_USAGE);
    usages.put("ns-rescan", NS_RESCAN_USAGE);
    usages.put("smart-log", SMART_LOG_USAGE);
    usages.put("error-log", ERROR_LOG_USAGE);
    usages.put("get-feature", GET_FEATURE_USAGE);
    if (a.positional().isEmpty()) {
      StringBuilder s = new StringBuilder("nvme commands (nvme:<command> -h for its options):\n");
      usages.values().forEach(u -> s.append("  ").append(u).append('\n'));
      out.print(s);
      return;
    }
    String name = a.single("<command>", "nvme:help [<command>]").replaceFirst("^nvme:", "");
    List<Args.Option> options = switch (name) {
      case "list" -> LIST_OPTIONS;
      case "id-ctrl" -> ID_CTRL_OPTIONS;
      case "id-ns" -> ID_NS_OPTIONS;
      case "read" -> READ_OPTIONS;
      case "write" -> WRITE_OPTIONS;
      case "flush" -> FLUSH_OPTIONS;
      case "ns-rescan" -> NS_RESCAN_OPTIONS;
      case "smart-log" -> SMART_LOG_OPTIONS;
      case "error-log" -> ERROR_LOG_OPTIONS;
      case "get-feature" -> GET_FEATURE_OPTIONS;
      default -> throw new IllegalArgumentException("nvme:help: unknown command '" + name
          + "' (commands: " + String.join(", ", usages.keySet()) + ")");
    };
    out.print(usage(usages.get(name), options));
  }
}
