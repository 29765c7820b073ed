package io.jnvme.disk.nbd.internal;

import io.jnvme.device.DirectMemory;
import io.jnvme.disk.internal.NvmeBlockDevice;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An NBD server in this JVM over the emulated controller: every namespace of the emulator
 * becomes a block device {@code nvme0n<nsid>} and an export of that name, on 127.0.0.1 (a free
 * port) and, if given, a Unix socket.
 */
final class NbdFixture implements AutoCloseable {
  final EmulatedController emu;
  final NvmeController ctrl;
  final List<NvmeBlockDevice> disks = new ArrayList<>();
  final NbdServer server;
  final InetSocketAddress tcp;
  final Path unix;

  private NbdFixture(EmulatedController emu, NvmeController ctrl, NbdServer server,
      InetSocketAddress tcp, Path unix) {
    this.emu = emu;
    this.ctrl = ctrl;
    this.server = server;
    this.tcp = tcp;
    this.unix = unix;
  }

  /** Namespace sizes in bytes (512-byte blocks), NSIDs 1, 2, ... */
  static NbdFixture start(NbdServer.Limits limits, Path unix, long... sizes) throws Exception {
    EmulatedController.Builder b = EmulatedController.builder("nvme0").capTimeout(4);
    for (int i = 0; i < sizes.length; i++) {
      b.namespace(i + 1, EmulatedNamespace.memory(sizes[i], 512));
    }
    EmulatedController emu = b.build();
    NvmeController ctrl = null;
    NbdServer server = null;
    try {
      ctrl = new DriverFactory().start(emu.device(),
          new DirectMemory().clientFor(emu.device().id()),
          ControllerOptions.defaults("nvme0").withCommandTimeout(Duration.ofSeconds(10)));
      server = new NbdServer(limits);
      InetSocketAddress tcp =
          (InetSocketAddress) server.listen(new InetSocketAddress("127.0.0.1", 0));
      if (unix != null) {
        SocketAddress u = server.listen(UnixDomainSocketAddress.of(unix));
        assert u != null;
      }
      NbdFixture f = new NbdFixture(emu, ctrl, server, tcp, unix);
      NvmeController c = ctrl;
      for (int i = 0; i < sizes.length; i++) {
        NvmeBlockDevice d = NvmeBlockDevice.open("nvme0n" + (i + 1), ctrl, i + 1, false,
            NvmeBlockDevice.Options.defaults(), () -> c);
        f.disks.add(d);
        server.putExport(NbdExport.of(d));
      }
      return f;
    } catch (Exception | Error e) {
      if (server != null) {
        server.close();
      }
      if (ctrl != null) {
        ctrl.close();
      }
      emu.close();
      throw e;
    }
  }

  /** nbd://127.0.0.1:port/export */
  String uri(String export) {
    return "nbd://127.0.0.1:" + tcp.getPort() + "/" + export;
  }

  @Override
  public void close() {
    server.close();
    disks.forEach(NvmeBlockDevice::close);
    ctrl.close();
    emu.close();
  }
}
