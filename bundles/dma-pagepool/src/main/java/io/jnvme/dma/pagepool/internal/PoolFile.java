package io.jnvme.dma.pagepool.internal;

import static io.jnvme.dma.pagepool.internal.PoolLayout.ALLOCATED;
import static io.jnvme.dma.pagepool.internal.PoolLayout.FREE;
import static io.jnvme.dma.pagepool.internal.PoolLayout.PAGE_SIZE;
import static io.jnvme.dma.pagepool.internal.PoolLayout.RESERVED;
import static io.jnvme.dma.pagepool.internal.PoolLayout.WINDOW_SIZE;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaException;
import io.jnvme.device.MemoryBlock;
import io.jnvme.dma.pagepool.PagePool;
import io.jnvme.dma.pagepool.PagePoolConfig;
import io.jnvme.dma.pagepool.PagePoolException;
import io.jnvme.dma.pagepool.PoolAllocation;
import io.jnvme.dma.pagepool.PoolClosedException;
import io.jnvme.dma.pagepool.PoolConfigException;
import io.jnvme.dma.pagepool.PoolFormatException;
import io.jnvme.dma.pagepool.PoolFullException;
import io.jnvme.dma.pagepool.PoolIoException;
import io.jnvme.dma.pagepool.PoolLockedException;
import io.jnvme.dma.pagepool.PoolReport;
import io.jnvme.dma.pagepool.internal.PoolLayout.Header;
import io.jnvme.dma.pagepool.internal.PoolLayout.SlotRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The page pool over one file: the implementation of {@link PagePool}. It owns the file lock, the
 * mappings, the slot table and the in-memory view of it (which runs are taken, which slot is free,
 * which block object holds which allocation).
 *
 * <p>Every change of the slot table goes through {@link #writeSlot}, which writes a whole record
 * into the copy of the slot that does not hold its current state and then forces that range: a
 * crash at any moment leaves either the old or the new record valid, never neither. An allocation
 * is written twice: first {@code RESERVED} (write-ahead: these pages are being zeroed), then
 * {@code ALLOCATED} (committed, handed out). Opening a file rolls every {@code RESERVED} slot back
 * to {@code FREE}. A free is a single transition {@code ALLOCATED -> FREE}.
 *
 * <p>Locking: one monitor per pool guards all state. The registry of open pools ({@link #OPEN})
 * is taken first when both are needed, and never while the pool monitor is held.
 */
public final class PoolFile implements PagePool {
  private static final Logger LOG = LoggerFactory.getLogger(PoolFile.class);

  /**
   * The pools open in this class loader, by real path: opening a withdrawn pool's file again
   * resumes that pool instead of failing on our own file lock.
   */
  private static final Map<Path, PoolFile> OPEN = new HashMap<>();

  /** Test hook: called at each step of an allocation or free, to crash the JVM there. */
  static volatile Consumer<String> stepHook;

  private static final byte[] ZERO_PAGE = new byte[PAGE_SIZE];
  private static final int PREALLOCATE_CHUNK = 1 << 20;

  private enum State {
    /** Serving allocations. */
    OPEN,
    /** No new allocations; closes itself when its last attached block is closed. */
    WITHDRAWN,
    /** File lock released; blocks still out are detached. */
    CLOSED
  }

  /** One slot of the slot table: its current record and which block object holds it. */
  static final class Slot {
    final int index;
    SlotRecord record;
    /** The copy (0 or 1) holding {@link #record}; -1 if the slot was never written. */
    int currentCopy = -1;
    /** The block handed out for this allocation; weak, so a dropped block makes it pending. */
    WeakReference<PoolBlock> holder;

    Slot(int index) {
      this.index = index;
    }

    PoolBlock holderBlock() {
      WeakReference<PoolBlock> h = holder;
      return h == null ? null : h.get();
    }
  }

  private final PagePoolConfig config;
  private final Path key;
  private final String fileName;
  private final FileChannel channel;
  private final FileLock lock;
  private final Header header;
  /** Guarded by this. Nulled at close; blocks keep their own references to the mappings. */
  private MappedByteBuffer[] windows;
  private final Slot[] slots;
  /** RESERVED and ALLOCATED slots by file offset. Guarded by this. */
  private final TreeMap<Long, Slot> runs = new TreeMap<>();
  /** Indexes of FREE slots. Guarded by this. */
  private final TreeSet<Integer> freeSlots = new TreeSet<>();
  /** Each device's current client generation. Guarded by this. */
  private final Map<String, Long> currentClient = new HashMap<>();
  private final int rolledBackAtOpen;
  private long clientGenerations;
  private long nextId;
  private State state = State.OPEN;
  private boolean forceFailureLogged;

  // ---------------------------------------------------------------------------------------------
  // Opening

  /**
   * Opens (or resumes, or creates) the pool {@code config} describes.
   *
   * @throws PagePoolException as {@link PagePool#open(PagePoolConfig)} documents
   */
  public static PoolFile open(PagePoolConfig config) throws PagePoolException {
    Objects.requireNonNull(config, "config");
    String name = config.file().toString();
    checkConfig(config, name);
    Path file = config.file().toAbsolutePath();
    Path dir = file.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new PoolConfigException(name, "directory=" + dir + " does not exist or is not a"
          + " directory");
    }
    Path key;
    try {
      key = dir.toRealPath().resolve(file.getFileName());
    } catch (IOException e) {
      throw new PoolIoException(name, "cannot resolve the directory", e);
    }
    synchronized (OPEN) {
      PoolFile existing = OPEN.get(key);
      if (existing != null && existing.resume(config)) {
        return existing;
      }
      PoolFile p = openFile(config, key, name);
      OPEN.put(key, p);
      return p;
    }
  }

  private static void checkConfig(PagePoolConfig c, String name) throws PoolConfigException {
    long size = c.size();
    if (size <= 0 || size % PAGE_SIZE != 0) {
      throw new PoolConfigException(name, "size=" + size + " must be a positive multiple of "
          + PAGE_SIZE);
    }
    if (size > PagePoolConfig.MAX_SIZE) {
      throw new PoolConfigException(name, "size=" + size + " exceeds the limit of "
          + PagePoolConfig.MAX_SIZE);
    }
    long base = c.deviceAddressBase();
    if (base < 0 || base % PAGE_SIZE != 0 || base + size < 0) {
      throw new PoolConfigException(name, "deviceAddressBase=0x" + Long.toHexString(base)
          + " must be a multiple of " + PAGE_SIZE + " with base + size below 2^63");
    }
    int slots = c.maxAllocations();
    if (slots < 1 || slots > PagePoolConfig.MAX_ALLOCATIONS_LIMIT) {
      throw new PoolConfigException(name, "maxAllocations=" + slots + " must be in 1.."
          + PagePoolConfig.MAX_ALLOCATIONS_LIMIT);
    }
    long dataOffset = PoolLayout.dataOffset(slots);
    if (size <= dataOffset) {
      throw new PoolConfigException(name, "size=" + size + " leaves no room for data after the"
          + " metadata (" + dataOffset + " bytes for maxAllocations=" + slots + ")");
    }
  }

  private static PoolFile openFile(PagePoolConfig config, Path key, String name)
      throws PagePoolException {
    FileChannel ch = null;
    try {
      ch = openChannel(key);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        throw new PoolLockedException(name, holderOf(ch), "already open in this JVM by another"
            + " pool object (an earlier revision of the pagepool bundle whose blocks are still in"
            + " use?); it is released when that pool closes");
      }
      if (lock == null) {
        throw new PoolLockedException(name, holderOf(ch), "locked by another process");
      }
      PoolFile p = new PoolFile(config, key, name, ch, lock);
      ch = null; // owned by the pool now
      return p;
    } catch (IOException e) {
      throw new PoolIoException(name, "cannot open or lock the pool file", e);
    } finally {
      if (ch != null) {
        try {
          ch.close(); // also releases the lock, if taken
        } catch (IOException e) {
          LOG.warn("pagepool file={}: closing after a failed open: {}", name, e.toString());
        }
      }
    }
  }

  /**
   * Opens or creates the file. A new file is readable and writable by its owner only: it holds
   * the data of every I/O that goes through its blocks.
   */
  private static FileChannel openChannel(Path file) throws IOException {
    Set<StandardOpenOption> options = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
        StandardOpenOption.CREATE);
    try {
      return FileChannel.open(file, options,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      return FileChannel.open(file, options); // not a POSIX file system
    }
  }

  /** Who holds the file, from the holder record, for the error message. */
  private static String holderOf(FileChannel ch) {
    try {
      ByteBuffer b = ByteBuffer.allocate(PoolLayout.HOLDER_SIZE);
      readFully(ch, b, PoolLayout.HOLDER_OFFSET);
      byte[] raw = b.array();
      String text = PoolLayout.decodeHolder(raw);
      long pid = PoolLayout.holderPid(raw);
      if (text == null) {
        return null;
      }
      boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
      return text + (alive ? "" : " (that process no longer runs)");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private PoolFile(PagePoolConfig requested, Path key, String name, FileChannel channel,
      FileLock lock) throws PagePoolException, IOException {
    this.key = key;
    this.fileName = name;
    this.channel = channel;
    this.lock = lock;

    long fileSize = channel.size();
    byte[] head = new byte[PAGE_SIZE];
    if (fileSize > 0) {
      readFully(channel, ByteBuffer.wrap(head, 0, (int) Math.min(fileSize, PAGE_SIZE)), 0);
    }
    boolean create = fileSize == 0 || PoolLayout.allZero(head);
    if (create) {
      // A file without a header was never initialised, or its creation was cut short (the
      // header is written last). Either way it holds no allocation.
      this.header = Header.create(requested.size(), requested.deviceAddressBase(),
          requested.maxAllocations(), System.currentTimeMillis(), UUID.randomUUID());
      this.windows = initialise(fileSize);
    } else {
      try {
        this.header = Header.decode(head, fileSize);
      } catch (IllegalArgumentException e) {
        throw new PoolFormatException(name, e.getMessage());
      }
      checkMatches(requested);
      this.windows = map(header.poolSize());
    }
    this.config = new PagePoolConfig(requested.file(), header.poolSize(),
        header.deviceAddressBase(), header.slotCount());

    // Read and check every slot before changing anything in the file.
    this.slots = new Slot[header.slotCount()];
    long maxId = 0;
    for (int i = 0; i < slots.length; i++) {
      slots[i] = readSlot(i);
      maxId = Math.max(maxId, slots[i].record.id());
    }
    checkRuns();
    this.nextId = maxId + 1;

    writeHolder();
    int rolledBack = 0;
    for (Slot s : slots) {
      SlotRecord r = s.record;
      if (r.state() == RESERVED) {
        // Write-ahead record of an allocation that was never committed: its pages were being
        // zeroed and never handed out. Roll it back.
        LOG.info("pagepool file={}: rolling back an uncommitted allocation: {}", name, r);
        writeSlot(s, r.with(FREE, r.seq() + 1));
        rolledBack++;
      }
      if (s.record.state() == ALLOCATED) {
        runs.put(s.record.offset(), s);
      } else {
        freeSlots.add(s.index);
      }
    }
    this.rolledBackAtOpen = rolledBack;
    LOG.info("pagepool file={} {}: size={} base=0x{} slots={} allocations={} (pending until"
        + " re-attached) rolledBack={}", name, create ? "created" : "opened", header.poolSize(),
        Long.toHexString(header.deviceAddressBase()), header.slotCount(), runs.size(),
        rolledBack);
  }

  private void checkMatches(PagePoolConfig requested) throws PoolConfigException {
    if (header.poolSize() != requested.size()
        || header.deviceAddressBase() != requested.deviceAddressBase()) {
      throw new PoolConfigException(fileName, "configured size=" + requested.size()
          + " deviceAddressBase=0x" + Long.toHexString(requested.deviceAddressBase())
          + " but the file has size=" + header.poolSize() + " deviceAddressBase=0x"
          + Long.toHexString(header.deviceAddressBase()) + "; device addresses must not move"
          + " while a device may use them. Configure the file's values, or delete the file"
          + " (which frees every allocation in it) after resetting its devices");
    }
    if (header.slotCount() != requested.maxAllocations()) {
      LOG.info("pagepool file={}: keeps its slot table of {} slots (configured {} applies to new"
          + " files only)", fileName, header.slotCount(), requested.maxAllocations());
    }
  }

  /** Creates the pool in an empty or uninitialised file. */
  private MappedByteBuffer[] initialise(long fileSize) throws PoolIoException {
    long size = header.poolSize();
    Path dir = key.getParent();
    boolean hugetlbfs = false;
    try {
      hugetlbfs = "hugetlbfs".equals(Files.getFileStore(dir).type());
    } catch (IOException e) {
      LOG.debug("pagepool file={}: file system type unknown: {}", fileName, e.toString());
    }
    try {
      if (fileSize != 0) {
        channel.truncate(0);
      }
      if (!hugetlbfs) {
        // Give the file all its pages now, so that a full tmpfs fails here with ENOSPC rather
        // than later with SIGBUS on first touch. hugetlbfs has no write(2); mapping it shared
        // reserves its huge pages instead.
        ByteBuffer zeros = ByteBuffer.allocate(PREALLOCATE_CHUNK);
        for (long pos = 0; pos < size; pos += PREALLOCATE_CHUNK) {
          zeros.clear().limit((int) Math.min(PREALLOCATE_CHUNK, size - pos));
          while (zeros.hasRemaining()) {
            channel.write(zeros, pos + zeros.position());
          }
        }
      }
    } catch (IOException e) {
      throw new PoolIoException(fileName, "cannot give the pool file its size=" + size
          + " (is the file system full? df " + dir + ")", e);
    }
    MappedByteBuffer[] w = map(size);
    // The slot table must be empty before a header makes it meaningful; the header goes last.
    w[0].put(0, new byte[(int) header.dataOffset()]);
    force(w[0], 0, (int) header.dataOffset());
    w[0].put(0, header.encode());
    force(w[0], 0, PAGE_SIZE);
    return w;
  }

  /** Maps the file in windows of {@link PoolLayout#WINDOW_SIZE} bytes, shared. */
  private MappedByteBuffer[] map(long size) throws PoolIoException {
    int count = (int) ((size + WINDOW_SIZE - 1) / WINDOW_SIZE);
    MappedByteBuffer[] w = new MappedByteBuffer[count];
    for (int i = 0; i < count; i++) {
      long start = i * WINDOW_SIZE;
      long length = Math.min(WINDOW_SIZE, size - start);
      try {
        // MAP_SHARED: stores reach the file's pages (tmpfs or hugetlbfs) directly, so they
        // survive this process, and another mapping of the file sees them.
        w[i] = channel.map(FileChannel.MapMode.READ_WRITE, start, length);
      } catch (IOException e) {
        throw new PoolIoException(fileName, "cannot map offset=" + start + " length=" + length
            + " (on hugetlbfs the size must be a multiple of the huge page size and enough huge"
            + " pages must be free)", e);
      }
    }
    return w;
  }

  private Slot readSlot(int index) throws PoolFormatException {
    byte[][] raw = new byte[2][PoolLayout.SLOT_RECORD_SIZE];
    SlotRecord[] copy = new SlotRecord[2];
    for (int c = 0; c < 2; c++) {
      windows[0].get((int) PoolLayout.slotCopyOffset(index, c), raw[c]);
      copy[c] = SlotRecord.decode(raw[c]);
      if (copy[c] != null && copy[c].index() != index) {
        throw new PoolFormatException(fileName, "slot=" + index + " copy=" + c
            + " holds the record of slot=" + copy[c].index());
      }
    }
    Slot s = new Slot(index);
    if (copy[0] == null && copy[1] == null) {
      boolean zero0 = PoolLayout.allZero(raw[0]);
      boolean zero1 = PoolLayout.allZero(raw[1]);
      if (!zero0 && !zero1) {
        throw new PoolFormatException(fileName, "slot=" + index + ": both copies are damaged");
      }
      // Never written, or its first write (always RESERVED) was torn by a crash: free.
      s.record = SlotRecord.empty(index);
      return s;
    }
    int current = copy[1] == null || (copy[0] != null && copy[0].seq() >= copy[1].seq()) ? 0 : 1;
    s.record = copy[current];
    s.currentCopy = current;
    SlotRecord r = s.record;
    if (r.state() != FREE && r.state() != RESERVED && r.state() != ALLOCATED) {
      throw new PoolFormatException(fileName, "slot=" + index + ": unknown state=" + r.state());
    }
    if (r.state() == ALLOCATED) {
      long end = r.offset() + r.length();
      boolean bad = r.offset() % PAGE_SIZE != 0 || r.length() <= 0 || r.length() % PAGE_SIZE != 0
          || r.offset() < header.dataOffset() || end > header.poolSize() || end < r.offset()
          || r.offset() / WINDOW_SIZE != (end - 1) / WINDOW_SIZE || r.deviceId().isEmpty();
      if (bad) {
        throw new PoolFormatException(fileName, "slot=" + index + ": impossible allocation: "
            + r + " (dataOffset=" + header.dataOffset() + " size=" + header.poolSize() + ")");
      }
    }
    return s;
  }

  /** No two allocations may share a page. */
  private void checkRuns() throws PoolFormatException {
    TreeMap<Long, SlotRecord> byOffset = new TreeMap<>();
    for (Slot s : slots) {
      if (s.record.state() == ALLOCATED) {
        SlotRecord other = byOffset.put(s.record.offset(), s.record);
        if (other != null) {
          throw new PoolFormatException(fileName, "allocations overlap: " + other + " and "
              + s.record);
        }
      }
    }
    SlotRecord prev = null;
    for (SlotRecord r : byOffset.values()) {
      if (prev != null && prev.offset() + prev.length() > r.offset()) {
        throw new PoolFormatException(fileName, "allocations overlap: " + prev + " and " + r);
      }
      prev = r;
    }
  }

  private void writeHolder() {
    ProcessHandle self = ProcessHandle.current();
    // The main class or jar only: arguments may hold things another user should not read.
    String command = System.getProperty("sun.java.command", "").split(" ", 2)[0];
    if (command.isEmpty()) {
      command = self.info().command().orElse("?");
    }
    byte[] raw = PoolLayout.encodeHolder(self.pid(), System.currentTimeMillis(),
        "main=" + command);
    windows[0].put(PoolLayout.HOLDER_OFFSET, raw);
    force(windows[0], PoolLayout.HOLDER_OFFSET, raw.length);
  }

  /** Resumes a withdrawn pool for a new opener; false if this pool is closed. */
  private synchronized boolean resume(PagePoolConfig requested) throws PagePoolException {
    switch (state) {
      case CLOSED:
        return false;
      case OPEN:
        throw new PoolLockedException(fileName, null, "already open in this JVM: " + this);
      default:
        break;
    }
    checkMatches(requested);
    state = State.OPEN;
    LOG.info("pagepool file={}: resumed by a new opener; {} blocks were still in use", fileName,
        liveCount());
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // PagePool

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean persistent() {
    return true;
  }

  @Override
  public PagePoolConfig config() {
    return config;
  }

  @Override
  public long dataOffset() {
    return header.dataOffset();
  }

  /**
   * The device's client; supersedes the device's earlier client.
   *
   * @throws IllegalArgumentException if the device id is empty or longer than 128 UTF-8 bytes
   */
  @Override
  public synchronized DmaClient clientFor(String deviceId) {
    Objects.requireNonNull(deviceId, "deviceId");
    int n = deviceId.getBytes(StandardCharsets.UTF_8).length;
    if (n == 0 || n > PoolLayout.DEVICE_ID_MAX) {
      throw new IllegalArgumentException("pagepool file=" + fileName + ": deviceId=\"" + deviceId
          + "\" must be 1 to " + PoolLayout.DEVICE_ID_MAX + " UTF-8 bytes");
    }
    long generation = ++clientGenerations;
    Long previous = currentClient.put(deviceId, generation);
    if (previous != null) {
      LOG.info("pagepool file={}: new client for device={} supersedes the previous one; its"
          + " blocks are pending until re-attached", fileName, deviceId);
    }
    return new PoolClient(this, deviceId, generation);
  }

  @Override
  public synchronized PoolReport validate() throws PagePoolException {
    if (state == State.CLOSED) {
      throw new PoolClosedException(fileName, "validate: the pool is closed");
    }
    List<PoolAllocation> attached = new ArrayList<>();
    List<PoolAllocation> pending = new ArrayList<>();
    long used = 0;
    for (Slot s : runs.values()) {
      used += s.record.length();
      (pending(s) ? pending : attached).add(allocation(s.record));
    }
    return new PoolReport(fileName, header.version(), header.poolSize(),
        header.deviceAddressBase(), header.dataOffset(),
        header.poolSize() - header.dataOffset() - used, largestFreeRun(), runs.size(),
        slots.length, attached, pending, rolledBackAtOpen);
  }

  @Override
  public List<PoolAllocation> freePending(String deviceId) throws PagePoolException {
    return freePendingOf(Objects.requireNonNull(deviceId, "deviceId"));
  }

  @Override
  public List<PoolAllocation> freeAllPending() throws PagePoolException {
    return freePendingOf(null);
  }

  private synchronized List<PoolAllocation> freePendingOf(String deviceId)
      throws PagePoolException {
    if (state == State.CLOSED) {
      throw new PoolClosedException(fileName, "freePending: the pool is closed");
    }
    List<PoolAllocation> freed = new ArrayList<>();
    for (Slot s : new ArrayList<>(runs.values())) {
      if (pending(s) && (deviceId == null || deviceId.equals(s.record.deviceId()))) {
        freed.add(allocation(s.record));
        freeSlot(s);
      }
    }
    if (!freed.isEmpty()) {
      LOG.info("pagepool file={}: freed {} stale pending allocations of {}: {}", fileName,
          freed.size(), deviceId == null ? "every device" : "device=" + deviceId, freed);
    }
    return freed;
  }

  @Override
  public void withdraw() {
    boolean close;
    synchronized (this) {
      if (state != State.OPEN) {
        return;
      }
      state = State.WITHDRAWN;
      int live = liveCount();
      close = live == 0;
      LOG.info("pagepool file={}: withdrawn; {} blocks still in use{}", fileName, live,
          close ? "" : ", the pool closes when they are closed");
    }
    if (close) {
      closeNow("withdrawn with no block in use");
    }
  }

  @Override
  public synchronized boolean isOpen() {
    return state != State.CLOSED;
  }

  @Override
  public void close() {
    closeNow("closed");
  }

  private void closeNow(String reason) {
    synchronized (this) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      int live = liveCount();
      try {
        windows[0].put(PoolLayout.HOLDER_OFFSET, new byte[PoolLayout.HOLDER_SIZE]);
        force(windows[0], PoolLayout.HOLDER_OFFSET, PoolLayout.HOLDER_SIZE);
      } catch (RuntimeException e) {
        LOG.debug("pagepool file={}: clearing the holder record: {}", fileName, e.toString());
      }
      try {
        lock.release();
        channel.close();
      } catch (IOException e) {
        LOG.warn("pagepool file={}: releasing the file: {}", fileName, e.toString());
      }
      // The mappings stay until no block refers to them any more (the garbage collector unmaps
      // a mapping once its buffer and every slice of it are unreachable): a queue may still use
      // a block after this.
      windows = null;
      LOG.info("pagepool file={} {}: {} blocks still in use keep their memory and stay allocated"
          + " in the file", fileName, reason, live);
    }
    synchronized (OPEN) {
      OPEN.remove(key, this);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Clients and blocks

  /** Allocates, zeroes and commits a block for client {@code c}. */
  PoolBlock allocate(PoolClient c, long size, String tag) throws DmaException {
    Objects.requireNonNull(tag, "tag");
    String what = "device=" + c.deviceId() + " tag=" + tag + " size=" + size;
    if (size <= 0 || size > WINDOW_SIZE) {
      throw new DmaException("pagepool file=" + fileName + " " + what + ": size must be in 1.."
          + WINDOW_SIZE);
    }
    if (tag.getBytes(StandardCharsets.UTF_8).length > PoolLayout.TAG_MAX) {
      throw new DmaException("pagepool file=" + fileName + " " + what + ": tag longer than "
          + PoolLayout.TAG_MAX + " UTF-8 bytes");
    }
    long length = (size + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE;
    synchronized (this) {
      checkUsable(c, what);
      long offset = freeSlots.isEmpty() ? -1 : firstFit(length);
      if (offset < 0) {
        long used = 0;
        for (Slot s : runs.values()) {
          used += s.record.length();
        }
        throw new PoolFullException(fileName, what, length,
            header.poolSize() - header.dataOffset() - used, largestFreeRun(), runs.size(),
            slots.length);
      }
      Slot s = slots[freeSlots.pollFirst()];
      SlotRecord reserved = new SlotRecord(RESERVED, s.index, s.record.seq() + 1, nextId++,
          offset, length, System.currentTimeMillis(), c.deviceId(), tag);
      writeSlot(s, reserved);
      runs.put(offset, s);
      try {
        step("reserved");
        zero(offset, length);
        step("zeroed");
        writeSlot(s, reserved.with(ALLOCATED, reserved.seq() + 1));
        step("allocated");
      } catch (RuntimeException | Error e) {
        // Undo in memory and in the file; had the JVM died here, opening would do the same.
        freeSlot(s);
        throw e;
      }
      PoolBlock b = new PoolBlock(this, s, c, slice(offset, length), allocation(s.record));
      s.holder = new WeakReference<>(b);
      LOG.debug("allocated {}", b);
      return b;
    }
  }

  /** Re-attaches the device's allocations that {@code c} does not hold yet. */
  synchronized List<MemoryBlock> attachPending(PoolClient c) throws PagePoolException {
    checkUsable(c, "attachPending device=" + c.deviceId());
    List<MemoryBlock> out = new ArrayList<>();
    for (Slot s : runs.values()) {
      SlotRecord r = s.record;
      if (r.state() != ALLOCATED || !r.deviceId().equals(c.deviceId())) {
        continue;
      }
      PoolBlock old = s.holderBlock();
      if (old != null && old.client() == c) {
        continue;
      }
      // From now on the old block object (if any) is detached: closing it does nothing.
      PoolBlock b = new PoolBlock(this, s, c, slice(r.offset(), r.length()), allocation(r));
      s.holder = new WeakReference<>(b);
      out.add(b);
    }
    LOG.info("pagepool file={}: device={} re-attached {} blocks", fileName, c.deviceId(),
        out.size());
    return out;
  }

  /** Frees the allocation of {@code b}, if {@code b} still holds it. */
  void release(PoolBlock b) {
    boolean close;
    synchronized (this) {
      if (state == State.CLOSED) {
        LOG.warn("{} closed after its pool was closed: it stays allocated in the file, pending"
            + " for the file's next user", b);
        return;
      }
      Slot s = b.slot();
      if (s.holderBlock() != b) {
        // The normal end of a buffer that lived through servicing: its user closes the old object
        // after the next driver re-attached the allocation (and frees it through that one).
        LOG.debug("{} closed but not freed: its allocation was re-attached by a newer client or"
            + " freed as pending", b);
        return;
      }
      freeSlot(s);
      step("freed");
      LOG.debug("freed {}", b);
      close = state == State.WITHDRAWN && liveCount() == 0;
    }
    if (close) {
      closeNow("withdrawn and its last block closed");
    }
  }

  /** The client's generation is the device's current one. */
  synchronized boolean current(PoolClient c) {
    Long g = currentClient.get(c.deviceId());
    return g != null && g == c.generation();
  }

  private void checkUsable(PoolClient c, String what) throws PoolClosedException {
    if (state == State.CLOSED) {
      throw new PoolClosedException(fileName, what + ": the pool is closed");
    }
    if (state == State.WITHDRAWN) {
      throw new PoolClosedException(fileName, what + ": the pool was withdrawn (its service is"
          + " going away)");
    }
    if (!current(c)) {
      throw new PoolClosedException(fileName, what + ": this client was superseded by a newer"
          + " client for the same device");
    }
  }

  private boolean pending(Slot s) {
    if (s.record.state() != ALLOCATED) {
      return false;
    }
    PoolBlock h = s.holderBlock();
    return h == null || !current(h.client());
  }

  private int liveCount() {
    int n = 0;
    for (Slot s : runs.values()) {
      if (s.holderBlock() != null) {
        n++;
      }
    }
    return n;
  }

  /** Marks slot {@code s} free, in the file and in memory. */
  private void freeSlot(Slot s) {
    SlotRecord r = s.record;
    writeSlot(s, r.with(FREE, r.seq() + 1));
    runs.remove(r.offset());
    freeSlots.add(s.index);
    s.holder = null;
  }

  /**
   * Writes {@code r} as slot {@code s}'s new state, into the copy that does not hold the current
   * one, and forces it. Until the write is complete the current copy stays valid; a write cut
   * short fails its checksum and is ignored at the next open.
   */
  private void writeSlot(Slot s, SlotRecord r) {
    int target = s.currentCopy == 0 ? 1 : 0;
    int offset = (int) PoolLayout.slotCopyOffset(s.index, target);
    byte[] raw = r.encode();
    windows[0].put(offset, raw);
    // The record must be complete in the mapping before anything that depends on it is written
    // (zeroing, or the next record into the other copy); the fence keeps the compiler and CPU
    // from moving later stores before it.
    VarHandle.fullFence();
    force(windows[0], offset, raw.length);
    s.record = r;
    s.currentCopy = target;
  }

  /**
   * msync of a metadata range. On tmpfs and hugetlbfs the stores are already in the file's pages
   * and this costs a system call; on a disk file it makes them durable. A failure is logged, not
   * thrown: the mapping already holds the new state.
   */
  private void force(MappedByteBuffer w, int offset, int length) {
    try {
      w.force(offset, length);
    } catch (UncheckedIOException e) {
      if (!forceFailureLogged) {
        forceFailureLogged = true;
        LOG.warn("pagepool file={}: msync failed ({}); metadata is current in memory but may not"
            + " be durable on disk", fileName, e.getCause().toString());
      }
    }
  }

  private void zero(long offset, long length) {
    MappedByteBuffer w = windows[(int) (offset / WINDOW_SIZE)];
    int start = (int) (offset % WINDOW_SIZE);
    for (long done = 0; done < length; done += PAGE_SIZE) {
      w.put(start + (int) done, ZERO_PAGE);
    }
  }

  /** A little-endian view of {@code length} bytes at file offset {@code offset}. */
  private ByteBuffer slice(long offset, long length) {
    MappedByteBuffer w = windows[(int) (offset / WINDOW_SIZE)];
    // SAFETY: the slice keeps the window's mapping reachable, so it stays mapped as long as the
    // block's buffer is in use, even after this pool is closed.
    return w.slice((int) (offset % WINDOW_SIZE), (int) length).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** First fit over the gaps between runs; a run never crosses a window boundary. */
  private long firstFit(long length) {
    long cursor = header.dataOffset();
    for (Slot s : runs.values()) {
      long at = fit(cursor, s.record.offset(), length);
      if (at >= 0) {
        return at;
      }
      cursor = Math.max(cursor, s.record.offset() + s.record.length());
    }
    return fit(cursor, header.poolSize(), length);
  }

  static long fit(long from, long to, long length) {
    long at = from;
    if (at / WINDOW_SIZE != (at + length - 1) / WINDOW_SIZE) {
      at = (at / WINDOW_SIZE + 1) * WINDOW_SIZE;
    }
    return at + length <= to ? at : -1;
  }

  private long largestFreeRun() {
    long best = 0;
    long cursor = header.dataOffset();
    for (Slot s : runs.values()) {
      best = Math.max(best, largestIn(cursor, s.record.offset()));
      cursor = Math.max(cursor, s.record.offset() + s.record.length());
    }
    return Math.max(best, largestIn(cursor, header.poolSize()));
  }

  static long largestIn(long from, long to) {
    long best = 0;
    for (long at = from; at < to; ) {
      long end = Math.min(to, (at / WINDOW_SIZE + 1) * WINDOW_SIZE);
      best = Math.max(best, end - at);
      at = end;
    }
    return best;
  }

  private PoolAllocation allocation(SlotRecord r) {
    return new PoolAllocation(r.id(), r.deviceId(), r.tag(), r.offset(), r.length(),
        header.deviceAddressBase() + r.offset(), Instant.ofEpochMilli(r.created()));
  }

  String fileName() {
    return fileName;
  }

  private static void step(String name) {
    Consumer<String> h = stepHook;
    if (h != null) {
      h.accept(name);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    while (b.hasRemaining()) {
      int n = ch.read(b, position + b.position());
      if (n < 0) {
        break;
      }
    }
  }

  @Override
  public synchronized String toString() {
    return "PagePool[file=" + fileName + " size=" + header.poolSize() + " base=0x"
        + Long.toHexString(header.deviceAddressBase()) + " allocations=" + runs.size() + "/"
        + slots.length + " " + state + "]";
  }
}
