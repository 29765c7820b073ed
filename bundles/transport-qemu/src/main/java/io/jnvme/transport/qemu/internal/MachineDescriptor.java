package io.jnvme.transport.qemu.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * What a process needs to attach to a running QEMU instance, written by the launcher to
 * {@code <runDirectory>/machine.properties} (temp file and atomic rename) and read by every
 * attaching process: sockets, RAM file and size, PCI functions, the process ids.
 *
 * @param name instance name
 * @param deviceId the NVMe controller's device id
 * @param pid QEMU's process id
 * @param ownerPid the process that launched QEMU and stops it, or 0 if nobody owns it any more
 * @param qtestSocket the qtest socket
 * @param qmpSocket the QMP socket
 * @param ramFile the guest RAM file (a page pool with device-address base 0)
 * @param ramSize guest RAM bytes
 * @param primaryDevfn PCI devfn of the controller the driver uses
 * @param managementDevfn PCI devfn of the management controller, or -1 without a subsystem
 * @param ioQueuePairs I/O queue pairs the controller grants
 * @param temporaryImages images to delete when the instance stops
 * @param commandLine QEMU's argv, for diagnostics
 * @param createdRunDirectory whether the launcher created the run directory (and deletes it)
 */
public record MachineDescriptor(
    String name,
    String deviceId,
    long pid,
    long ownerPid,
    Path qtestSocket,
    Path qmpSocket,
    Path ramFile,
    long ramSize,
    int primaryDevfn,
    int managementDevfn,
    int ioQueuePairs,
    List<Path> temporaryImages,
    List<String> commandLine,
    boolean createdRunDirectory) {
  /** The descriptor's file name in the run directory. */
  public static final String FILE = "machine.properties";

  public MachineDescriptor {
    temporaryImages = List.copyOf(temporaryImages);
    commandLine = List.copyOf(commandLine);
  }

  public MachineDescriptor withOwnerPid(long v) {
    return new MachineDescriptor(name, deviceId, pid, v, qtestSocket, qmpSocket, ramFile, ramSize,
        primaryDevfn, managementDevfn, ioQueuePairs, temporaryImages, commandLine,
        createdRunDirectory);
  }

  /** Writes {@code <dir>/machine.properties} atomically. */
  public void store(Path dir) throws IOException {
    Properties p = new Properties();
    p.setProperty("name", name);
    p.setProperty("deviceId", deviceId);
    p.setProperty("pid", Long.toString(pid));
    p.setProperty("ownerPid", Long.toString(ownerPid));
    p.setProperty("qtestSocket", qtestSocket.toString());
    p.setProperty("qmpSocket", qmpSocket.toString());
    p.setProperty("ramFile", ramFile.toString());
    p.setProperty("ramSize", Long.toString(ramSize));
    p.setProperty("primaryDevfn", Integer.toString(primaryDevfn));
    p.setProperty("managementDevfn", Integer.toString(managementDevfn));
    p.setProperty("ioQueuePairs", Integer.toString(ioQueuePairs));
    p.setProperty("createdRunDirectory", Boolean.toString(createdRunDirectory));
    p.setProperty("temporaryImages.count", Integer.toString(temporaryImages.size()));
    for (int i = 0; i < temporaryImages.size(); i++) {
      p.setProperty("temporaryImages." + i, temporaryImages.get(i).toString());
    }
    p.setProperty("commandLine.count", Integer.toString(commandLine.size()));
    for (int i = 0; i < commandLine.size(); i++) {
      p.setProperty("commandLine." + i, commandLine.get(i));
    }
    Path tmp = dir.resolve(FILE + ".tmp");
    try (OutputStream o = Files.newOutputStream(tmp)) {
      p.store(o, "jnvme QEMU instance");
    }
    Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Reads {@code <dir>/machine.properties}.
   *
   * @throws IOException if it is missing or incomplete
   */
  public static MachineDescriptor load(Path dir) throws IOException {
    Path f = dir.resolve(FILE);
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(f)) {
      p.load(in);
    }
    try {
      List<Path> images = new ArrayList<>();
      int n = Integer.parseInt(p.getProperty("temporaryImages.count", "0"));
      for (int i = 0; i < n; i++) {
        images.add(Path.of(p.getProperty("temporaryImages." + i)));
      }
      List<String> argv = new ArrayList<>();
      int m = Integer.parseInt(p.getProperty("commandLine.count", "0"));
      for (int i = 0; i < m; i++) {
        argv.add(p.getProperty("commandLine." + i));
      }
      return new MachineDescriptor(req(p, "name"), req(p, "deviceId"),
          Long.parseLong(req(p, "pid")), Long.parseLong(req(p, "ownerPid")),
          Path.of(req(p, "qtestSocket")), Path.of(req(p, "qmpSocket")),
          Path.of(req(p, "ramFile")), Long.parseLong(req(p, "ramSize")),
          Integer.parseInt(req(p, "primaryDevfn")), Integer.parseInt(req(p, "managementDevfn")),
          Integer.parseInt(req(p, "ioQueuePairs")), images, argv,
          Boolean.parseBoolean(p.getProperty("createdRunDirectory", "false")));
    } catch (RuntimeException e) {
      throw new IOException(f + " is incomplete or corrupt: " + e.getMessage(), e);
    }
  }

  private static String req(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null) {
      throw new IllegalArgumentException("missing " + key);
    }
    return v;
  }
}
