package io.jnvme.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.jnvme.disk.BlockDevice;
import io.jnvme.driver.NvmeController;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Random;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The disk and disk-nbd bundles on the default platform: nvme0n1 becomes a BlockDevice and an NBD
 * export without configuration; a factory configuration replaces it; the NBD connection and the
 * BlockDevice service outlive a restart of the driver bundle. The NBD server listens on no TCP
 * port here (so that tests never collide with a running platform), only on a Unix socket.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class DiskNbdIT extends NvmeTestSupport {
  private static final String NVME0N1 = "(" + BlockDevice.NAME + "=nvme0n1)";

  @Inject private BundleContext context;

  @Configuration
  public Option[] config() throws Exception {
    Path dir = Files.createTempDirectory("jnvme-itest-nbd");
    return options(
        composite(platform()),
        staged("disk"),
        staged("disk-nbd"),
        frameworkProperty("jnvme.nbd.address").value(""),
        frameworkProperty("jnvme.nbd.socket").value(dir.resolve("nbd.sock").toString()));
  }

  /** The default platform's nvme0, which the disk layer exports as nvme0n1. */
  @org.junit.Before
  public void configureNvme0() throws Exception {
    ensureDefaultController(context);
  }

  private Path socket() {
    return Path.of(context.getProperty("jnvme.nbd.socket"));
  }

  /** A minimal NBD client over the Unix socket: fixed newstyle, then EXPORT_NAME. */
  private static final class Nbd implements AutoCloseable {
    final SocketChannel channel;
    final DataInputStream in;
    final DataOutputStream out;
    final long size;

    Nbd(Path socket, String export) throws Exception {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socket));
      in = new DataInputStream(Channels.newInputStream(channel));
      out = new DataOutputStream(new java.io.BufferedOutputStream(
          Channels.newOutputStream(channel)));
      assertEquals(0x4e42444d41474943L, in.readLong());
      assertEquals(0x49484156454F5054L, in.readLong());
      in.readUnsignedShort();
      out.writeInt(3); // fixed newstyle, no zeroes
      byte[] name = export.getBytes(StandardCharsets.UTF_8);
      out.writeLong(0x49484156454F5054L);
      out.writeInt(1); // NBD_OPT_EXPORT_NAME
      out.writeInt(name.length);
      out.write(name);
      out.flush();
      size = in.readLong();
      in.readUnsignedShort();
    }

    void request(int type, long cookie, long offset, int length, byte[] payload)
        throws Exception {
      out.writeInt(0x25609513);
      out.writeShort(0);
      out.writeShort(type);
      out.writeLong(cookie);
      out.writeLong(offset);
      out.writeInt(length);
      if (payload != null) {
        out.write(payload);
      }
      out.flush();
      assertEquals(0x67446698, in.readInt());
      assertEquals("NBD error", 0, in.readInt());
      assertEquals(cookie, in.readLong());
    }

    void write(long offset, byte[] data) throws Exception {
      request(1, offset, offset, data.length, data);
    }

    byte[] read(long offset, int length) throws Exception {
      request(0, offset, offset, length, null);
      byte[] b = new byte[length];
      in.readFully(b);
      return b;
    }

    @Override
    public void close() throws Exception {
      channel.close();
    }
  }

  /** The names NBD_OPT_LIST returns. */
  private static List<String> listExports(Path socket) throws Exception {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
      DataOutputStream out = new DataOutputStream(Channels.newOutputStream(ch));
      in.readLong();
      in.readLong();
      in.readUnsignedShort();
      out.writeInt(1);
      out.writeLong(0x49484156454F5054L);
      out.writeInt(3); // NBD_OPT_LIST
      out.writeInt(0);
      List<String> names = new ArrayList<>();
      while (true) {
        assertEquals(0x3e889045565a9L, in.readLong());
        in.readInt();
        int type = in.readInt();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        if (type == 1) {
          return names;
        }
        assertEquals(2, type);
        int n = ByteBuffer.wrap(data).getInt();
        names.add(new String(data, 4, n, StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  public void nvme0n1IsABlockDeviceAndAnNbdExportWithoutConfiguration() throws Exception {
    BlockDevice d = awaitService(context, BlockDevice.class, NVME0N1);
    assertEquals(256L << 20, d.size());
    assertEquals(512, d.blockSize());
    assertFalse(d.readOnly());
    byte[] data = new byte[10_000];
    new Random(1).nextBytes(data);
    d.write(1001, ByteBuffer.wrap(data), false);

    awaitExport("nvme0n1");
    try (Nbd nbd = new Nbd(socket(), "nvme0n1")) {
      assertEquals(256L << 20, nbd.size);
      assertArrayEquals(data, nbd.read(1001, data.length));
    }

    String out = gogo("nbd:list");
    assertTrue(out, out.contains("nvme0n1"));
    assertTrue(out, out.contains("nbd+unix:///nvme0n1?socket=" + socket()));
  }

  @Test
  public void aFactoryConfigurationReplacesTheDefaultDevice() throws Exception {
    awaitService(context, BlockDevice.class, NVME0N1);
    ConfigurationAdmin cm = awaitService(context, ConfigurationAdmin.class, "");
    org.osgi.service.cm.Configuration c = cm.createFactoryConfiguration("io.jnvme.disk", "?");
    Dictionary<String, Object> props = new Hashtable<>();
    props.put("controller", "nvme0");
    props.put("nsid", 2);
    props.put("name", "scratch");
    props.put("readOnly", true);
    c.update(props);
    BlockDevice scratch = awaitService(context, BlockDevice.class,
        "(&(" + BlockDevice.NAME + "=scratch)(" + BlockDevice.READ_ONLY + "=true))");
    assertEquals(64L << 20, scratch.size());
    assertTrue(scratch.readOnly());
    awaitExport("scratch");
    // The unconfigured default is gone once a configuration exists.
    poll("nvme0n1 withdrawn",
        () -> context.getServiceReferences(BlockDevice.class, NVME0N1).isEmpty());
    poll("nvme0n1 no longer exported", () -> !listExports(socket()).contains("nvme0n1"));
    c.delete();
  }

  @Test
  public void theNbdConnectionOutlivesARestartOfTheDriverBundle() throws Exception {
    BlockDevice d = awaitService(context, BlockDevice.class, NVME0N1);
    ServiceReference<BlockDevice> before = context.getServiceReference(BlockDevice.class);
    awaitExport("nvme0n1");
    byte[] data = new byte[64 << 10];
    new Random(2).nextBytes(data);
    Bundle driver = null;
    for (Bundle b : context.getBundles()) {
      if ("io.jnvme.driver".equals(b.getSymbolicName())) {
        driver = b;
      }
    }
    try (Nbd nbd = new Nbd(socket(), "nvme0n1")) {
      nbd.write(4096, data);
      NvmeController first = awaitService(context, NvmeController.class, "");
      driver.stop();
      driver.start();
      NvmeController second = awaitService(context, NvmeController.class, "");
      assertFalse("a new controller object", first == second);
      // Same connection, same device: requests wait for the new controller, then go on.
      assertArrayEquals(data, nbd.read(4096, data.length));
      nbd.write(0, new byte[] {7});
      assertArrayEquals(new byte[] {7}, nbd.read(0, 1));
    }
    assertEquals(before.getProperty("service.id"),
        context.getServiceReference(BlockDevice.class).getProperty("service.id"));
    assertFalse(d.removed());
  }

  @FunctionalInterface
  private interface Condition {
    boolean holds() throws Exception;
  }

  /** Checks {@code c} every 10 ms until it holds; fails after the service timeout. */
  private static void poll(String what, Condition c) throws Exception {
    long deadline = System.nanoTime() + SERVICE_TIMEOUT_MS * 1_000_000L;
    while (!c.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + SERVICE_TIMEOUT_MS + " ms: " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
    }
  }

  private void awaitExport(String name) throws Exception {
    poll("NBD export " + name, () -> {
      try {
        return listExports(socket()).contains(name);
      } catch (java.io.IOException e) {
        return false; // not listening yet
      }
    });
  }

  private String gogo(String command) throws Exception {
    CommandProcessor processor = awaitService(context, CommandProcessor.class, "");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      CommandSession session = processor.createSession(InputStream.nullInputStream(), o, o);
      try {
        session.execute(command);
      } finally {
        session.close();
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
