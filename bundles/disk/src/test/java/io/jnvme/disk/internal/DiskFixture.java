package io.jnvme.disk.internal;

import io.jnvme.device.DirectMemory;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.time.Duration;

/** An emulated controller, the driver on it, and a block device on its namespace 1. */
final class DiskFixture implements AutoCloseable {
  final EmulatedController emu;
  final NvmeController ctrl;
  final NvmeBlockDevice disk;

  private DiskFixture(EmulatedController emu, NvmeController ctrl, NvmeBlockDevice disk) {
    this.emu = emu;
    this.ctrl = ctrl;
    this.disk = disk;
  }

  /** nvme0: namespace 1 of {@code bytes} with {@code lbaSize}-byte blocks, MDTS 128 KiB. */
  static EmulatedController.Builder emulator(long bytes, int lbaSize) {
    return EmulatedController.builder("nvme0")
        .capTimeout(4)
        .interruptVectors(4)
        .namespace(1, EmulatedNamespace.memory(bytes, lbaSize));
  }

  static NvmeController driver(EmulatedController emu) throws Exception {
    return new DriverFactory().start(emu.device(),
        new DirectMemory().clientFor(emu.device().id()),
        ControllerOptions.defaults("nvme0")
            .withCpuCount(4)
            .withCommandTimeout(Duration.ofSeconds(10))
            .withHealthCheckInterval(Duration.ofMillis(20)));
  }

  static DiskFixture start(EmulatedController.Builder b, boolean readOnly,
      NvmeBlockDevice.Options options) throws Exception {
    EmulatedController emu = b.build();
    NvmeController ctrl = null;
    try {
      ctrl = driver(emu);
      NvmeController c = ctrl;
      NvmeBlockDevice disk = NvmeBlockDevice.open("nvme0n1", ctrl, 1, readOnly, options,
          () -> c);
      return new DiskFixture(emu, ctrl, disk);
    } catch (Exception | Error e) {
      if (ctrl != null) {
        ctrl.close();
      }
      emu.close();
      throw e;
    }
  }

  static DiskFixture start(long bytes, int lbaSize) throws Exception {
    return start(emulator(bytes, lbaSize), false, NvmeBlockDevice.Options.defaults());
  }

  @Override
  public void close() {
    disk.close();
    ctrl.close();
    emu.close();
  }
}
