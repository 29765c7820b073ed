package io.jnvme.driver.internal.shell;

import io.jnvme.device.DirectMemory;
import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaException;
import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.ControllerInfo;
import io.jnvme.driver.ControllerState;
import io.jnvme.driver.ControllerStatus;
import io.jnvme.driver.InvalidRequestException;
import io.jnvme.driver.IoCompletion;
import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NamespaceInfo;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import io.jnvme.driver.ResourceException;
import io.jnvme.spec.IdentifyController;
import io.jnvme.spec.IdentifyNamespace;
import io.jnvme.spec.LbaFormat;
import io.jnvme.spec.Vs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An in-memory NvmeController for the shell tests: namespaces backed by byte arrays, buffers from
 * {@link DirectMemory}, a small transfer limit so that transfers are split, and a log of the
 * commands issued.
 */
final class FakeController implements NvmeController {
  final String name;
  final Map<Integer, Ns> namespaces = new TreeMap<>();
  final List<String> log = new ArrayList<>();
  final List<MemoryBlock> buffers = new ArrayList<>();
  int maxTransferBlocks = 64;
  private final DmaClient dma = new DirectMemory().clientFor("fake");

  /** One namespace. */
  final class Ns {
    final int nsid;
    final int blockSize;
    final byte[] data;
    String owner;

    Ns(int nsid, int blockSize, long blocks) {
      this.nsid = nsid;
      this.blockSize = blockSize;
      this.data = new byte[Math.toIntExact(blocks * blockSize)];
    }

    long blocks() {
      return data.length / blockSize;
    }

    NamespaceInfo info() {
      return new NamespaceInfo(nsid, blocks(), blockSize, 0, maxTransferBlocks, "active", owner,
          null, null, null);
    }
  }

  FakeController(String name) {
    this.name = name;
  }

  FakeController namespace(int nsid, int blockSize, long blocks) {
    namespaces.put(nsid, new Ns(nsid, blockSize, blocks));
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String deviceId() {
    return "emulated:" + name;
  }

  @Override
  public String transport() {
    return "emulated";
  }

  @Override
  public ControllerState state() {
    return ControllerState.READY;
  }

  @Override
  public ControllerInfo info() {
    return new ControllerInfo(0x1b36, 0x1af4, "JNVME0001           ",
        "jnvme emulated controller               ", "0.1.0   ", 1, "2.0.0", 5, 131072, 256,
        0x1d, 0, 0x100, 3, 1, "nqn.2026-11.io.jnvme:" + name);
  }

  @Override
  public ByteBuffer identifyController() {
    ByteBuffer b = ByteBuffer.allocate(IdentifyController.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    new IdentifyController().wrap(b, 0).vid(0x1b36).ssvid(0x1af4).sn("JNVME0001")
        .mn("jnvme emulated controller").fr("0.1.0").mdts(5).cntlid(1).ver(Vs.V2_0)
        .oaes(0x100).aerl(3).sqes(0x66).cqes(0x44).nn(256).oncs(0x1d).vwc(1)
        .subnqn("nqn.2026-11.io.jnvme:" + name);
    return b.asReadOnlyBuffer();
  }

  @Override
  public List<NamespaceInfo> namespaces() {
    List<NamespaceInfo> l = new ArrayList<>();
    // Reverse order on purpose: the shell sorts.
    for (Ns ns : namespaces.values()) {
      l.add(0, ns.info());
    }
    return l;
  }

  @Override
  public ByteBuffer identifyNamespace(int nsid) throws NvmeException {
    Ns ns = namespaces.get(nsid);
    ByteBuffer b = ByteBuffer.allocate(IdentifyNamespace.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    if (ns != null) {
      int lbads = Integer.numberOfTrailingZeros(ns.blockSize);
      new IdentifyNamespace().wrap(b, 0).nsze(ns.blocks()).ncap(ns.blocks()).nuse(ns.blocks())
          .nlbafZ(1).flbas(lbads == 9 ? 0 : 1).lbaf(0, LbaFormat.of(0, 9, 0))
          .lbaf(1, LbaFormat.of(0, 12, 0))
          .nguid(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, (byte) 0xff});
    }
    return b;
  }

  @Override
  public NamespaceHandle open(int nsid, String owner) throws NvmeException {
    Ns ns = namespaces.get(nsid);
    if (ns == null) {
      throw new NamespaceException("open", NamespaceException.Reason.NOT_FOUND, nsid);
    }
    if (ns.owner != null) {
      throw new NamespaceException("open owner=" + ns.owner, NamespaceException.Reason.DUPLICATE,
          nsid);
    }
    ns.owner = owner;
    log.add("open " + nsid + " " + owner);
    return new Handle(ns);
  }

  @Override
  public MemoryBlock allocateBuffer(long size) throws NvmeException {
    try {
      MemoryBlock b = dma.allocate(size, "shell");
      buffers.add(b);
      log.add("allocate " + size);
      return b;
    } catch (DmaException e) {
      throw new ResourceException(e.getMessage(), e);
    }
  }

  @Override
  public ControllerStatus status() {
    return new ControllerStatus(name, state(), null, List.of(), 1, 0, null, false, "cold", 0);
  }

  @Override
  public void rescanNamespaces() {}

  @Override
  public io.jnvme.driver.savestate.ControllerSavedState save()
      throws io.jnvme.driver.SavedStateException {
    throw new io.jnvme.driver.SavedStateException("fake",
        io.jnvme.driver.SavedStateException.Reason.NOT_PERSISTENT, null);
  }

  @Override
  public void resumeAfterSave() {}

  @Override
  public void allocator(io.jnvme.device.DmaClient dma) {}

  @Override
  public ByteBuffer logPage(int lid, int nsid, int bytes) {
    ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (lid == 2 && bytes >= 512) {
      b.putShort(1, (short) 310);
      b.put(3, (byte) 100);
    }
    return b;
  }

  @Override
  public int feature(int fid, int nsid, int cdw11) {
    return fid == 7 ? 0x000F000F : 0;
  }

  @Override
  public void release() {}

  @Override
  public void close() {}

  private final class Handle implements NamespaceHandle {
    private final Ns ns;
    private boolean closed;

    Handle(Ns ns) {
      this.ns = ns;
    }

    @Override
    public int nsid() {
      return ns.nsid;
    }

    @Override
    public String controllerName() {
      return name;
    }

    @Override
    public int blockSize() {
      return ns.blockSize;
    }

    @Override
    public long blockCount() {
      return ns.blocks();
    }

    @Override
    public int maxTransferBlocks() {
      return maxTransferBlocks;
    }

    @Override
    public NamespaceInfo info() {
      return ns.info();
    }

    @Override
    public boolean removed() {
      return false;
    }

    private void check(long lba, int blocks, MemoryBlock buffer, long offset)
        throws NvmeException {
      if (closed) {
        throw new NamespaceException("closed", NamespaceException.Reason.CLOSED, ns.nsid);
      }
      if (blocks < 1 || blocks > maxTransferBlocks || lba < 0 || lba + blocks > ns.blocks()
          || offset + (long) blocks * ns.blockSize > buffer.size()) {
        throw new InvalidRequestException("lba=" + lba + " blocks=" + blocks);
      }
    }

    @Override
    public void read(long lba, int blocks, MemoryBlock buffer, long offset)
        throws NvmeException {
      check(lba, blocks, buffer, offset);
      log.add("read " + lba + " " + blocks);
      buffer.copyFrom(ByteBuffer.wrap(ns.data, (int) lba * ns.blockSize, blocks * ns.blockSize),
          offset);
    }

    @Override
    public void write(long lba, int blocks, MemoryBlock buffer, long offset, boolean fua)
        throws NvmeException {
      check(lba, blocks, buffer, offset);
      log.add("write " + lba + " " + blocks + (fua ? " fua" : ""));
      buffer.copyTo(offset, ByteBuffer.wrap(ns.data, (int) lba * ns.blockSize,
          blocks * ns.blockSize));
    }

    @Override
    public void flush() {
      log.add("flush " + ns.nsid);
    }

    @Override
    public void deallocate(long lba, long blocks) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void writeZeroes(long lba, int blocks) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void submitRead(int cpu, long lba, int blocks, MemoryBlock buffer, long offset,
        IoCompletion completion, long context) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void submitWrite(int cpu, long lba, int blocks, MemoryBlock buffer, long offset,
        boolean fua, IoCompletion completion, long context) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void addResizeListener(io.jnvme.driver.ResizeListener listener) {}

    @Override
    public void removeResizeListener(io.jnvme.driver.ResizeListener listener) {}

    @Override
    public long awaitResize(long knownBlockCount, java.time.Duration timeout) {
      return blockCount();
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        ns.owner = null;
        log.add("close " + ns.nsid);
      }
    }
  }
}
