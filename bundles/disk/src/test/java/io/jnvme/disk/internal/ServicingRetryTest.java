package io.jnvme.disk.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.device.MemoryBlock;
import io.jnvme.disk.DiskException;
import io.jnvme.disk.DiskIoException;
import io.jnvme.driver.ControllerFailedException;
import io.jnvme.driver.ControllerInfo;
import io.jnvme.driver.ControllerState;
import io.jnvme.driver.ControllerStatus;
import io.jnvme.driver.IoCompletion;
import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NamespaceInfo;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.ResizeListener;
import io.jnvme.driver.SavedStateException;
import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.transport.emulated.EmulatedController;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The driver is replaced under a block device: the old controller object refuses commands with
 * reason SERVICED, a new one appears. Requests retry on the new one; callers see no error.
 *
 * <p>Both controller objects here are views of one real driver controller, the way an old and a
 * new driver both reach one device: the "new" one takes the namespace over when it opens it.
 */
@Timeout(120)
class ServicingRetryTest {

  @Test
  void requestsRefusedAsServicedRetryOnTheReplacementController() throws Exception {
    try (EmulatedController emu = DiskFixture.emulator(8L << 20, 512).build();
        NvmeController real = DiskFixture.driver(emu)) {
      View old = new View(real, null);
      AtomicReference<NvmeController> registry = new AtomicReference<>(old);
      try (NvmeBlockDevice d = NvmeBlockDevice.open("nvme0n1", old, 1, false,
          NvmeBlockDevice.Options.defaults(), registry::get)) {
        byte[] data = NvmeBlockDeviceTest.random(new Random(9), 1 << 20);
        d.write(0, ByteBuffer.wrap(data), false);

        old.serviced = true; // the old driver let go: everything it is asked fails
        CompletableFuture<DiskException> asyncRead = new CompletableFuture<>();
        ByteBuffer dst = ByteBuffer.allocate(256 << 10);
        d.submitRead(4096, dst, (c, e) -> asyncRead.complete(e), 0);
        byte[] patch = NvmeBlockDeviceTest.random(new Random(10), 1000);
        CompletableFuture<Void> rmw = CompletableFuture.runAsync(() -> {
          try {
            d.write(100, ByteBuffer.wrap(patch), false);
          } catch (DiskException e) {
            throw new IllegalStateException(e);
          }
        });
        while (old.refusals.get() < 2) {
          Thread.onSpinWait(); // both requests reached the old driver and were refused
        }
        assertFalse(rmw.isDone() || asyncRead.isDone(), "requests wait for the new driver");

        View replacement = new View(real, old);
        registry.set(replacement); // the new driver registers its controller
        assertNull(asyncRead.get(20, TimeUnit.SECONDS));
        rmw.get(20, TimeUnit.SECONDS);
        assertSame(replacement, d.controller());
        byte[] want = new byte[256 << 10];
        System.arraycopy(data, 4096, want, 0, want.length);
        assertArrayEquals(want, dst.array());
        System.arraycopy(patch, 0, data, 100, patch.length);
        assertArrayEquals(java.util.Arrays.copyOf(data, 8192),
            NvmeBlockDeviceTest.read(d, 0, 8192));
        assertEquals(0, d.slotsInUse());
      }
    }
  }

  @Test
  void withoutAReplacementRequestsFailAfterTheRebindTimeout() throws Exception {
    try (EmulatedController emu = DiskFixture.emulator(8L << 20, 512).build();
        NvmeController real = DiskFixture.driver(emu)) {
      View old = new View(real, null);
      try (NvmeBlockDevice d = NvmeBlockDevice.open("nvme0n1", old, 1, false,
          NvmeBlockDevice.Options.defaults().withRebindTimeout(Duration.ofMillis(200)),
          () -> old)) {
        old.serviced = true;
        DiskIoException e = org.junit.jupiter.api.Assertions.assertThrows(DiskIoException.class,
            () -> d.read(0, ByteBuffer.allocate(4096)));
        assertTrue(e.getMessage().contains("no usable controller nvme0"), e.getMessage());
      }
    }
  }

  /**
   * A controller object over a real one. When {@link #serviced}, every command fails as a
   * released driver's would. Opening a namespace takes it over from {@code previous}.
   */
  static final class View implements NvmeController {
    final NvmeController real;
    final View previous;
    volatile boolean serviced;
    final java.util.concurrent.atomic.AtomicInteger refusals =
        new java.util.concurrent.atomic.AtomicInteger();
    volatile NamespaceHandle opened;

    View(NvmeController real, View previous) {
      this.real = real;
      this.previous = previous;
    }

    ControllerFailedException refusal() {
      refusals.incrementAndGet();
      return new ControllerFailedException("driver replaced",
          ControllerFailedException.Reason.SERVICED, 0);
    }

    @Override
    public String name() {
      return real.name();
    }

    @Override
    public String deviceId() {
      return real.deviceId();
    }

    @Override
    public String transport() {
      return real.transport();
    }

    @Override
    public ControllerState state() {
      return real.state();
    }

    @Override
    public ControllerInfo info() {
      return real.info();
    }

    @Override
    public ByteBuffer identifyController() {
      return real.identifyController();
    }

    @Override
    public List<NamespaceInfo> namespaces() throws NvmeException {
      return real.namespaces();
    }

    @Override
    public ByteBuffer identifyNamespace(int nsid) throws NvmeException {
      return real.identifyNamespace(nsid);
    }

    @Override
    public NamespaceHandle open(int nsid, String owner) throws NvmeException {
      if (serviced) {
        throw refusal();
      }
      if (previous != null && previous.opened != null) {
        previous.opened.close();
      }
      NamespaceHandle h = new Handle(this, real.open(nsid, owner));
      opened = h;
      return h;
    }

    @Override
    public MemoryBlock allocateBuffer(long size) throws NvmeException {
      if (serviced) {
        throw refusal();
      }
      return real.allocateBuffer(size);
    }

    @Override
    public void rescanNamespaces() throws NvmeException {
      real.rescanNamespaces();
    }

    @Override
    public ControllerStatus status() {
      return real.status();
    }

    @Override
    public ControllerSavedState save() throws SavedStateException {
      throw new UnsupportedOperationException();
    }

    @Override
    public void resumeAfterSave() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void release() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void allocator(io.jnvme.device.DmaClient dma) {
      real.allocator(dma);
    }

    @Override
    public ByteBuffer logPage(int lid, int nsid, int bytes) throws NvmeException {
      return real.logPage(lid, nsid, bytes);
    }

    @Override
    public int feature(int fid, int nsid, int cdw11) throws NvmeException {
      return real.feature(fid, nsid, cdw11);
    }

    @Override
    public void close() {}
  }

  /** A handle whose commands fail with SERVICED once its controller view is serviced. */
  static final class Handle implements NamespaceHandle {
    final View view;
    final NamespaceHandle real;

    Handle(View view, NamespaceHandle real) {
      this.view = view;
      this.real = real;
    }

    private void check() throws ControllerFailedException {
      if (view.serviced) {
        throw view.refusal();
      }
    }

    @Override
    public int nsid() {
      return real.nsid();
    }

    @Override
    public String controllerName() {
      return real.controllerName();
    }

    @Override
    public int blockSize() {
      return real.blockSize();
    }

    @Override
    public long blockCount() {
      return real.blockCount();
    }

    @Override
    public int maxTransferBlocks() {
      return real.maxTransferBlocks();
    }

    @Override
    public NamespaceInfo info() {
      return real.info();
    }

    @Override
    public boolean removed() {
      return real.removed();
    }

    @Override
    public void read(long lba, int blocks, MemoryBlock buffer, long offset)
        throws NvmeException {
      check();
      real.read(lba, blocks, buffer, offset);
    }

    @Override
    public void write(long lba, int blocks, MemoryBlock buffer, long offset, boolean fua)
        throws NvmeException {
      check();
      real.write(lba, blocks, buffer, offset, fua);
    }

    @Override
    public void flush() throws NvmeException {
      check();
      real.flush();
    }

    @Override
    public void deallocate(long lba, long blocks) throws NvmeException {
      check();
      real.deallocate(lba, blocks);
    }

    @Override
    public void writeZeroes(long lba, int blocks) throws NvmeException {
      check();
      real.writeZeroes(lba, blocks);
    }

    @Override
    public void submitRead(int cpu, long lba, int blocks, MemoryBlock buffer, long offset,
        IoCompletion completion, long context) {
      if (view.serviced) {
        completion.completed(context, view.refusal());
        return;
      }
      real.submitRead(cpu, lba, blocks, buffer, offset, completion, context);
    }

    @Override
    public void submitWrite(int cpu, long lba, int blocks, MemoryBlock buffer, long offset,
        boolean fua, IoCompletion completion, long context) {
      if (view.serviced) {
        completion.completed(context, view.refusal());
        return;
      }
      real.submitWrite(cpu, lba, blocks, buffer, offset, fua, completion, context);
    }

    @Override
    public void addResizeListener(ResizeListener listener) {
      real.addResizeListener(listener);
    }

    @Override
    public void removeResizeListener(ResizeListener listener) {
      real.removeResizeListener(listener);
    }

    @Override
    public long awaitResize(long knownBlockCount, Duration timeout)
        throws NamespaceException, InterruptedException {
      return real.awaitResize(knownBlockCount, timeout);
    }

    @Override
    public void close() {
      real.close();
    }
  }
}
