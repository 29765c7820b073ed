package io.jnvme.driver.internal;

import io.jnvme.device.DirectMemory;
import io.jnvme.device.DmaClient;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.ControllerStartException;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** An emulated controller and a driver controller on it, for the driver's unit tests. */
final class Fixture implements AutoCloseable {
  final EmulatedController emu;
  final DmaClient dma;
  Controller ctrl;

  private Fixture(EmulatedController emu) {
    this.emu = emu;
    this.dma = new DirectMemory().clientFor(emu.device().id());
  }

  /** nvme0 with NSID 1 = 16 MiB (512-byte blocks), NSID 2 = 8 MiB (4096-byte blocks). */
  static EmulatedController.Builder defaultEmulator() {
    return EmulatedController.builder("nvme0")
        .capTimeout(4)
        .interruptVectors(8)
        .namespace(1, EmulatedNamespace.memory(16L << 20, 512))
        .namespace(2, EmulatedNamespace.memory(8L << 20, 4096));
  }

  static ControllerOptions options() {
    return ControllerOptions.defaults("nvme0")
        .withCpuCount(4)
        .withCommandTimeout(Duration.ofSeconds(5))
        .withHealthCheckInterval(Duration.ofMillis(20));
  }

  static Fixture started() throws ControllerStartException {
    return started(defaultEmulator(), UnaryOperator.identity());
  }

  static Fixture started(EmulatedController.Builder b, UnaryOperator<ControllerOptions> opts)
      throws ControllerStartException {
    Fixture f = new Fixture(b.build());
    try {
      f.ctrl = Controller.start(f.emu.device(), f.dma, opts.apply(options()));
    } catch (ControllerStartException | RuntimeException e) {
      f.emu.close();
      throw e;
    }
    return f;
  }

  static Fixture unstarted(EmulatedController.Builder b) {
    return new Fixture(b.build());
  }

  @Override
  public void close() {
    if (ctrl != null) {
      ctrl.close();
    }
    emu.close();
  }
}
