package io.jnvme.transport.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.DeviceException;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.ControllerState;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.internal.DriverFactory;
import io.jnvme.spec.Bar0;
import io.jnvme.transport.qemu.internal.Layout;
import io.jnvme.transport.qemu.internal.MachineDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Launching, attaching, the checks attach makes, and cleaning up after QEMU. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QemuMachineTest {
  @TempDir Path dir;

  @BeforeAll
  static void qemuInstalled() {
    QemuTestSupport.requireQemu();
  }

  private static QemuConfig config(String prefix) {
    return QemuTestSupport.config(prefix, List.of(QemuNamespace.temporary(1, 16L << 20, 512)));
  }

  @Test
  void closingTheInstanceStopsQemuAndDeletesItsFiles() throws Exception {
    QemuInstance qemu = QemuInstance.launch(config("stop"));
    Path ram = qemu.ramFile();
    Path run = qemu.runDirectory();
    long pid = qemu.pid();
    assertTrue(Files.exists(ram));
    assertTrue(Files.exists(run.resolve("ns1.img")));
    assertTrue(qemu.commandLine().containsAll(List.of("-accel", "tcg", "-S")));
    qemu.close();
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertFalse(Files.exists(ram));
    assertFalse(Files.exists(run));
    qemu.close(); // idempotent
  }

  @Test
  void onlyOneProcessIsAttachedAtATime() throws Exception {
    try (QemuInstance qemu = QemuInstance.launch(config("one"));
        QemuMachine first = QemuMachine.attach(qemu)) {
      QemuException e = assertThrows(QemuException.class,
          () -> QemuMachine.attach(qemu.runDirectory(), Duration.ofMillis(500)));
      assertTrue(e.getMessage().contains("one qtest client at a time"), e.getMessage());
      // The first connection is unharmed.
      assertEquals(0, first.cc());
      first.close();
      try (QemuMachine second = QemuMachine.attach(qemu)) {
        assertEquals(0, second.cc());
      }
    }
  }

  @Test
  void aRamFileThatIsNotThisQemusRamIsRefused() throws Exception {
    try (QemuInstance qemu = QemuInstance.launch(config("ram"))) {
      MachineDescriptor d = MachineDescriptor.load(qemu.runDirectory());
      Path other = Path.of("/dev/shm", "jnvme-pool-qemu-test-other-" + ProcessHandle.current()
          .pid());
      try {
        PagePool.open(Layout.poolConfig(other, d.ramSize())).close();
        Path fake = dir.resolve("fake");
        Files.createDirectories(fake);
        new MachineDescriptor(d.name(), d.deviceId(), d.pid(), d.ownerPid(), d.qtestSocket(),
            d.qmpSocket(), other, d.ramSize(), d.primaryDevfn(), d.managementDevfn(),
            d.ioQueuePairs(), List.of(), d.commandLine(), false).store(fake);
        QemuException e = assertThrows(QemuException.class, () -> QemuMachine.attach(fake));
        assertTrue(e.getMessage().contains("is not this QEMU's guest RAM"), e.getMessage());
      } finally {
        Files.deleteIfExists(other);
      }
      // The real one still attaches.
      try (QemuMachine m = QemuMachine.attach(qemu)) {
        assertEquals(0, m.resetCount());
      }
    }
  }

  @Test
  void onlyGuestRamIsAcceptedForDma() throws Exception {
    try (QemuMachine m = QemuMachine.start(config("dma"))) {
      MemoryBlock ok = m.dmaClient().allocate(8192, "t");
      assertTrue(ok.deviceAddress(0) >= 0x10_0000L, "above the legacy windows");
      m.device().mapDma(ok).close();
      MemoryBlock foreign = new io.jnvme.device.DirectMemory().clientFor("x").allocate(4096, "f");
      DeviceException e = assertThrows(DeviceException.class, () -> m.device().mapDma(foreign));
      assertTrue(e.getMessage().contains("not guest RAM"), e.getMessage());
    }
  }

  @Test
  void qemuDyingLooksLikeASurpriseRemovalToTheDriver() throws Exception {
    try (QemuMachine m = QemuMachine.start(config("die"))) {
      NvmeController c = new DriverFactory().start(m.device(), m.dmaClient(),
          ControllerOptions.defaults("nvme0").withHealthCheckInterval(Duration.ofMillis(20))
              .withCommandTimeout(Duration.ofSeconds(5)));
      NamespaceHandle h = c.open(1, "t");
      MemoryBlock b = c.allocateBuffer(4096);
      h.read(0, 8, b, 0);
      ProcessHandle.of(m.qemuPid()).orElseThrow().destroyForcibly();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (c.state() != ControllerState.FAILED && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(10);
      }
      assertEquals(ControllerState.FAILED, c.state());
      ControllerFailedException e = assertThrows(ControllerFailedException.class,
          () -> h.read(0, 8, b, 0));
      assertEquals(ControllerFailedException.Reason.DEVICE_GONE, e.reason());
      assertThrows(DeviceException.class, () -> m.device().mapBar(0), "QEMU is gone");
      c.close();
    }
  }

  @Test
  void instancesOfADeadOwnerAreReaped() throws Exception {
    QemuInstance qemu = QemuInstance.launch(config("reap"));
    Path run = qemu.runDirectory();
    Path ram = qemu.ramFile();
    long pid = qemu.pid();
    try {
      Process gone = new ProcessBuilder("true").start();
      gone.waitFor();
      MachineDescriptor d = MachineDescriptor.load(run);
      d.withOwnerPid(gone.pid()).store(run);
      assertTrue(QemuInstance.reapStale(QemuTestSupport.BASE) >= 1);
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
      assertFalse(Files.exists(ram));
      assertFalse(Files.exists(run));
    } finally {
      qemu.close();
    }
  }

  @Test
  void attachingAfterADriverLeftWithoutSavingFreesItsMemoryOnlyIfTheControllerIsDisabled()
      throws Exception {
    try (QemuInstance qemu = QemuInstance.launch(config("free"))) {
      try (QemuMachine m = QemuMachine.attach(qemu)) {
        m.dmaClient().allocate(3 * 4096, "buffer");
        // Enabled: its blocks stay for a restore.
        NvmeController c = new DriverFactory().start(m.device(), m.dmaClient(),
            ControllerOptions.defaults("nvme0").withKeepalive(true));
        c.save();
        c.release();
      }
      try (QemuMachine m = QemuMachine.attach(qemu)) {
        assertFalse(m.pool().validate().pending().isEmpty(), "kept for a restore");
        // A disabled controller uses no memory: the next attach frees what was left.
        m.device().mapBar(0).write32(Bar0.CC, 0);
      }
      try (QemuMachine m = QemuMachine.attach(qemu)) {
        assertTrue(m.pool().validate().pending().isEmpty(), m.pool().validate().toString());
        assertEquals(1, m.resetCount());
      }
    }
  }
}
