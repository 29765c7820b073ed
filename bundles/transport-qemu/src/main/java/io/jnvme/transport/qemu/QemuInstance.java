package io.jnvme.transport.qemu;

import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PagePoolException;
import io.jnvme.transport.qemu.internal.CommandLine;
import io.jnvme.transport.qemu.internal.Layout;
import io.jnvme.transport.qemu.internal.MachineDescriptor;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code qemu-system-x86_64} process this JVM launched: the owner of the process, its guest
 * RAM file and its run directory. Closing it stops QEMU (SIGTERM to its process id, SIGKILL after
 * 5 s) and deletes the RAM file, the sockets, temporary images and the run directory it created.
 * A JVM shutdown hook does the same if the owner never closes it; {@link #reapStale} cleans up
 * after an owner that was killed.
 *
 * <p>Driver processes do not launch: they {@linkplain QemuMachine#attach(Path) attach} to the run
 * directory, as many times as they like, one at a time, while the instance lives.
 *
 * @since 1.0
 */
public final class QemuInstance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QemuInstance.class);
  /** Unix socket paths are limited to 108 bytes; leave room. */
  private static final int MAX_SOCKET_PATH = 100;

  private final QemuConfig config;
  private final Path runDirectory;
  private final MachineDescriptor descriptor;
  private final Process process;
  private final Thread hook;
  private boolean closed;

  private QemuInstance(QemuConfig config, Path runDirectory, MachineDescriptor descriptor,
      Process process) {
    this.config = config;
    this.runDirectory = runDirectory;
    this.descriptor = descriptor;
    this.process = process;
    this.hook = new Thread(this::stopFromHook, "qemu-stop-" + config.name());
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Starts QEMU as {@code config} says: creates the run directory, the guest RAM file (a page
   * pool, so that DMA memory comes from guest RAM) and missing images, starts the process with
   * its output in {@code <runDirectory>/qemu.log}, writes the descriptor and waits for the qtest
   * socket.
   *
   * @throws QemuException if the binary is missing, the run directory is in use by a live
   *     instance, or QEMU exits or does not open its socket in time (the message has its log)
   */
  public static QemuInstance launch(QemuConfig config) throws QemuException {
    String binary = findBinary(config.binary()).orElseThrow(() -> new QemuException("binary="
        + config.binary() + ": QEMU not found (Debian/Ubuntu: apt-get install qemu-system-x86)"));
    Path run = config.runDirectory().toAbsolutePath();
    Path qtest = run.resolve("qtest.sock");
    Path qmp = run.resolve("qmp.sock");
    if (qtest.toString().length() > MAX_SOCKET_PATH) {
      throw new QemuException("runDirectory=" + run + ": too long for a Unix socket path (at"
          + " most " + MAX_SOCKET_PATH + " bytes with /qtest.sock)");
    }
    boolean created = !Files.isDirectory(run);
    Path ramFile = config.ramFile().toAbsolutePath();
    List<Path> temporary = new ArrayList<>();
    Process process = null;
    try {
      if (!created && Files.exists(run.resolve(MachineDescriptor.FILE))) {
        stop(run); // refuses a live instance; cleans up a dead one
      }
      Files.createDirectories(run);
      Map<Integer, Path> images = new LinkedHashMap<>();
      for (QemuNamespace ns : config.namespaces()) {
        Path img = switch (ns.kind()) {
          case FILE -> ns.image().toAbsolutePath();
          case TEMPORARY -> run.resolve("ns" + ns.nsid() + ".img");
          case NULL -> null;
        };
        if (img == null) {
          continue;
        }
        if (ns.kind() == QemuNamespace.Kind.TEMPORARY) {
          Files.deleteIfExists(img);
          temporary.add(img);
        }
        if (!Files.exists(img) || Files.size(img) < ns.sizeBytes()) {
          try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(ns.sizeBytes()); // sparse
          }
        }
        images.put(ns.nsid(), img);
      }
      // The RAM file is a page pool made here, before QEMU maps it: QEMU keeps the contents of
      // an existing file of the right size; the pool's slot table puts its data at 1 MiB.
      Files.deleteIfExists(ramFile);
      try (PagePool pool = PagePool.open(Layout.poolConfig(ramFile, config.ramSize()))) {
        if (pool.dataOffset() != Layout.DMA_START) {
          throw new QemuException("page pool data starts at 0x"
              + Long.toHexString(pool.dataOffset()) + ", expected 0x"
              + Long.toHexString(Layout.DMA_START));
        }
      } catch (PagePoolException e) {
        throw new QemuException("ramFile=" + ramFile + ": cannot create the guest RAM page pool: "
            + e.getMessage(), e);
      }
      Files.deleteIfExists(qtest);
      Files.deleteIfExists(qmp);
      List<String> argv = CommandLine.build(config.withRamDirectory(ramFile.getParent()), binary,
          qtest, qmp, images);
      Path log = run.resolve("qemu.log");
      LOG.info("starting QEMU name={}: {}", config.name(), String.join(" ", argv));
      process = new ProcessBuilder(argv)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
          .start();
      MachineDescriptor d = new MachineDescriptor(config.name(), deviceId(config.name()),
          process.pid(), ProcessHandle.current().pid(), qtest, qmp, ramFile, config.ramSize(),
          CommandLine.PRIMARY_DEVFN, config.subsystem() ? CommandLine.MANAGEMENT_DEVFN : -1,
          config.ioQueuePairs(), temporary, argv, created);
      d.store(run);
      long deadline = System.nanoTime() + config.startTimeout().toNanos();
      while (!Files.exists(qtest)) {
        if (!process.isAlive()) {
          throw new QemuException("QEMU exited with status " + process.exitValue()
              + " at start: " + logTail(log));
        }
        if (System.nanoTime() - deadline > 0) {
          throw new QemuException("QEMU did not open its qtest socket=" + qtest + " within "
              + config.startTimeout().toMillis() + " ms: " + logTail(log));
        }
        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
      }
      return new QemuInstance(config, run, d, process);
    } catch (IOException | QemuException | RuntimeException e) {
      if (process != null) {
        process.destroyForcibly();
        try {
          process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
      deleteQuietly(ramFile);
      temporary.forEach(QemuInstance::deleteQuietly);
      deleteQuietly(qtest);
      deleteQuietly(qmp);
      deleteQuietly(run.resolve(MachineDescriptor.FILE));
      if (created) {
        deleteTree(run);
      }
      if (e instanceof QemuException q) {
        throw q;
      }
      throw new QemuException("name=" + config.name() + ": cannot start QEMU: " + e, e);
    }
  }

  /** The device id of the controller of instance {@code name}. */
  public static String deviceId(String name) {
    return "qemu:" + name + "/0000:00:04.0";
  }

  /** The configuration it was launched with. */
  public QemuConfig config() {
    return config;
  }

  /** Where its sockets and descriptor are: what {@link QemuMachine#attach(Path)} takes. */
  public Path runDirectory() {
    return runDirectory;
  }

  /** QEMU's process id. */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** QEMU's argv. */
  public List<String> commandLine() {
    return descriptor.commandLine();
  }

  /** The guest RAM file. */
  public Path ramFile() {
    return descriptor.ramFile();
  }

  /**
   * Gives the instance up without stopping it: QEMU keeps running with nobody owning it (a later
   * process attaches to {@link #runDirectory()}; {@link #stop(Path)} ends it). Closing this object
   * afterwards does nothing.
   *
   * @throws QemuException if the descriptor cannot be rewritten
   */
  public synchronized void detach() throws QemuException {
    if (closed) {
      return;
    }
    try {
      descriptor.withOwnerPid(0).store(runDirectory);
    } catch (IOException e) {
      throw new QemuException("runDirectory=" + runDirectory + ": cannot disown QEMU: " + e, e);
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down; the hook sees closed and does nothing.
    }
    LOG.info("QEMU name={} pid={} left running, run directory {}", config.name(), pid(),
        runDirectory);
  }

  /** Stops QEMU and deletes its files; see the class documentation. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down; the hook runs this anyway.
    }
    terminate(process.toHandle(), descriptor.qtestSocket());
    cleanUp(runDirectory, descriptor);
    LOG.info("QEMU name={} stopped and cleaned up", config.name());
  }

  private void stopFromHook() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    terminate(process.toHandle(), descriptor.qtestSocket());
    cleanUp(runDirectory, descriptor);
  }

  /**
   * Stops the instance described in {@code runDirectory} and deletes its files, unless its owner
   * (the process that launched it) is alive and is not this process. A QEMU process is only
   * killed if its command line names the descriptor's qtest socket, so a reused process id is
   * never hit.
   *
   * @throws QemuException if a live owner holds the instance, or the descriptor is unreadable
   */
  public static void stop(Path runDirectory) throws QemuException {
    MachineDescriptor d;
    try {
      d = MachineDescriptor.load(runDirectory);
    } catch (IOException e) {
      throw new QemuException("runDirectory=" + runDirectory + ": " + e.getMessage(), e);
    }
    long me = ProcessHandle.current().pid();
    if (d.ownerPid() != 0 && d.ownerPid() != me && alive(d.ownerPid())
        && ProcessHandle.of(d.pid()).map(ProcessHandle::isAlive).orElse(false)) {
      throw new QemuException("runDirectory=" + runDirectory + ": QEMU pid=" + d.pid()
          + " is owned by the live process " + d.ownerPid());
    }
    ProcessHandle.of(d.pid()).ifPresent(h -> terminate(h, d.qtestSocket()));
    cleanUp(runDirectory, d);
  }

  /**
   * Stops every instance under {@code baseDirectory} (one run directory per instance) whose
   * owner process is gone, and deletes its files: what a killed test JVM left behind. Instances
   * nobody owns on purpose (owner 0) are left alone.
   *
   * @return how many were cleaned up
   */
  public static int reapStale(Path baseDirectory) {
    if (!Files.isDirectory(baseDirectory)) {
      return 0;
    }
    int n = 0;
    try (Stream<Path> dirs = Files.list(baseDirectory)) {
      for (Path dir : dirs.toList()) {
        if (!Files.exists(dir.resolve(MachineDescriptor.FILE))) {
          continue;
        }
        try {
          MachineDescriptor d = MachineDescriptor.load(dir);
          if (d.ownerPid() != 0 && !alive(d.ownerPid())) {
            LOG.warn("cleaning up QEMU name={} pid={} left by dead owner pid={}", d.name(),
                d.pid(), d.ownerPid());
            ProcessHandle.of(d.pid()).ifPresent(h -> terminate(h, d.qtestSocket()));
            cleanUp(dir, d);
            n++;
          }
        } catch (IOException | RuntimeException e) {
          LOG.warn("cannot inspect {}: {}", dir, e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", baseDirectory, e.toString());
    }
    return n;
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** SIGTERM, then SIGKILL after 5 s; only if the command line names {@code qtestSocket}. */
  private static void terminate(ProcessHandle h, Path qtestSocket) {
    if (!h.isAlive()) {
      return;
    }
    if (!isOurQemu(h, qtestSocket)) {
      LOG.warn("process {} does not look like the QEMU of {}; not killed", h.pid(), qtestSocket);
      return;
    }
    h.destroy();
    try {
      h.onExit().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      h.destroyForcibly();
      try {
        h.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e2) {
        LOG.warn("QEMU pid={} did not exit after SIGKILL", h.pid());
      }
    }
  }

  private static boolean isOurQemu(ProcessHandle h, Path qtestSocket) {
    // /proc gives the full argv even when ProcessHandle.Info truncates it.
    Path cmdline = Path.of("/proc", Long.toString(h.pid()), "cmdline");
    try {
      String s = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
      return s.contains(qtestSocket.toString());
    } catch (IOException e) {
      return h.info().arguments().map(a -> String.join(" ", a).contains(qtestSocket.toString()))
          .orElse(false);
    }
  }

  private static void cleanUp(Path runDirectory, MachineDescriptor d) {
    deleteQuietly(d.ramFile());
    d.temporaryImages().forEach(QemuInstance::deleteQuietly);
    deleteQuietly(d.qtestSocket());
    deleteQuietly(d.qmpSocket());
    deleteQuietly(runDirectory.resolve(MachineDescriptor.FILE));
    if (d.createdRunDirectory()) {
      deleteTree(runDirectory);
    }
  }

  static Optional<String> findBinary(String binary) {
    if (binary.contains("/")) {
      return Files.isExecutable(Path.of(binary)) ? Optional.of(binary) : Optional.empty();
    }
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, binary);
      if (Files.isExecutable(p)) {
        return Optional.of(p.toString());
      }
    }
    return Optional.empty();
  }

  /** True if {@code binary} (a path or a name on PATH) is an executable. */
  public static boolean available(String binary) {
    return findBinary(binary).isPresent();
  }

  private static String logTail(Path log) {
    try {
      String s = Files.readString(log, StandardCharsets.UTF_8).strip();
      return s.isEmpty() ? "(no output)" : s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", p, e.toString());
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", dir, e.toString());
    }
  }

  @Override
  public String toString() {
    return "QemuInstance[name=" + config.name() + " pid=" + process.pid() + " run="
        + runDirectory + "]";
  }
}
