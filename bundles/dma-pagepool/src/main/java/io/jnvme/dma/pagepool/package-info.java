/**
 * Persistent DMA memory: a page pool in one shared file whose allocations survive the driver's
 * replacement ("keepalive servicing") and a restart of the JVM.
 *
 * <h2>Use</h2>
 *
 * <pre>{@code
 * PagePool pool = PagePool.open(PagePoolConfig.of(Path.of("/dev/shm"), "default",
 *     64 << 20, PagePoolConfig.DEFAULT_DEVICE_ADDRESS_BASE, 256));
 * DmaClient dma = pool.clientFor(device.id());
 * MemoryBlock sq = dma.allocate(64 * 1024, "ioq1.sq");   // zeroed, contiguous, persistent()
 * }</pre>
 *
 * <p>In OSGi a Declarative Services component opens the pool from the configuration PID
 * {@code io.jnvme.dma.pagepool} (directory, pool name, size, device-address base, maximum
 * allocations) and registers it as {@link io.jnvme.device.DmaClientProvider} with
 * {@code dma.name=pagepool}, {@code dma.persistent=true}, {@code service.ranking=20}, and as
 * {@link io.jnvme.dma.pagepool.PagePool}. On the module path or class path the service loader
 * finds a provider that opens the pool from system properties ({@code jnvme.pagepool.*}, see
 * {@link io.jnvme.dma.pagepool.PagePoolConfig#fromSystemProperties()}) on first use.
 *
 * <h2>Re-attaching after servicing, and starting cold</h2>
 *
 * <ol>
 *   <li>The old driver saves its state (which includes the device addresses of its queues) and
 *       lets go without closing its blocks: dropping blocks or clients frees nothing. Only
 *       {@link io.jnvme.device.MemoryBlock#close()} frees.
 *   <li>The new driver, in the same JVM or in a new one, gets a client for the same device id
 *       and calls {@link io.jnvme.device.DmaClient#attachPending()}: it returns every block of
 *       that device, with the same device addresses and contents, now attached to the new
 *       client. Block objects of the old driver, if it still has them, are detached: closing
 *       them does nothing.
 *   <li>After every device is restored, {@link io.jnvme.dma.pagepool.PagePool#validate()} lists
 *       the allocations nobody re-attached ({@link io.jnvme.dma.pagepool.PoolReport#pending()}).
 * </ol>
 *
 * <p>When a driver must start cold although the pool holds blocks of its device (saved state
 * present but keepalive now off, or saved state that does not match the device), it resets the
 * controller first, so that the device uses none of them, and then frees them: either with
 * {@link io.jnvme.dma.pagepool.PagePool#freePending(String)}, or through the
 * {@link io.jnvme.device.DmaClient} interface alone by closing every block that
 * {@code attachPending()} returns.
 *
 * <p>A device has one client at a time: {@code clientFor(id)} supersedes the device's earlier
 * client, whose blocks stay valid (and can still be closed) but count as pending until the new
 * client re-attaches them. A superseded client can no longer allocate.
 *
 * <h2>Device addresses</h2>
 *
 * <p>The page at file offset {@code o} has device address {@code base + o}, where {@code base} is
 * the configured device-address base (default {@code 0x40_0000_0000}), recorded in the file. The
 * address is therefore the same in every process that opens the file, which is what lets a device
 * keep using its queues while the driver is replaced. How a transport makes the addresses real:
 *
 * <ul>
 *   <li>emulated: the controller lives in the JVM and resolves each address through the blocks
 *       the driver registered with {@link io.jnvme.device.Device#mapDma}; a re-attached block has
 *       the same addresses, so the driver registers it again after a restart;
 *   <li>VFIO: the transport maps the pool file (or each block's buffer) into the IOMMU with
 *       {@code VFIO_IOMMU_MAP_DMA} at IOVA {@code base + offset}, so the IOVA is independent of
 *       where the JVM happened to map the file;
 *   <li>QEMU: the pool file can be the guest RAM ({@code memory-backend-file,share=on,mem-path=}
 *       the pool file); then device addresses are guest physical addresses and the base is where
 *       that RAM starts in the guest (0 for the first RAM region).
 * </ul>
 *
 * <h2>Stopping and unmapping</h2>
 *
 * <p>Memory is never unmapped under a queue. {@link io.jnvme.dma.pagepool.PagePool#withdraw()}
 * (what stopping the bundle does) only stops new allocations and re-attachment; blocks handed out
 * stay valid, closing them still frees them, and when the last one is closed the pool closes
 * itself and releases the file. Even {@link io.jnvme.dma.pagepool.PagePool#close()}, which
 * releases the file at once, leaves every block's memory mapped: the JVM unmaps a mapping only
 * when no buffer of it is reachable any more, or when the process exits. Closing a block does not
 * unmap either; it returns the pages to the pool, whose later allocations zero them.
 *
 * <h2>One user per file</h2>
 *
 * <p>An open pool holds an exclusive lock on the whole file ({@code fcntl} record lock through
 * {@link java.nio.channels.FileChannel#tryLock()}), which the operating system drops when the
 * process exits, however it exits. A second opener, in another process or through another pool
 * object of this JVM, gets {@link io.jnvme.dma.pagepool.PoolLockedException} naming the file and
 * the holder as it recorded itself in the file (process id, since when, main class). Opening the file
 * of a pool this JVM has withdrawn but not yet closed resumes that pool.
 *
 * <h2>File format, version 1</h2>
 *
 * <p>The file is {@code size} bytes, all of it mapped shared. Integers are little endian;
 * checksums are CRC-32C (Castagnoli). Pages are 4096 bytes.
 *
 * <table>
 *   <caption>Regions</caption>
 *   <tr><th>file offset</th><th>size</th><th>content</th></tr>
 *   <tr><td>0</td><td>92</td><td>header (written once, when the file is created)</td></tr>
 *   <tr><td>1024</td><td>256</td><td>holder record (advisory: who has the file open)</td></tr>
 *   <tr><td>4096</td><td>slots &times; 512</td><td>slot table: two 256-byte copies per slot</td></tr>
 *   <tr><td>dataOffset</td><td>size &minus; dataOffset</td><td>data pages, allocated in runs</td></tr>
 * </table>
 *
 * <table>
 *   <caption>Header</caption>
 *   <tr><th>offset</th><th>type</th><th>field</th></tr>
 *   <tr><td>0</td><td>u64</td><td>magic, the ASCII bytes {@code JNVMEPGP}</td></tr>
 *   <tr><td>8</td><td>u32</td><td>format version, 1</td></tr>
 *   <tr><td>12</td><td>u32</td><td>page size, 4096</td></tr>
 *   <tr><td>16</td><td>u64</td><td>pool size in bytes, equal to the file's size</td></tr>
 *   <tr><td>24</td><td>u64</td><td>device-address base</td></tr>
 *   <tr><td>32</td><td>u64</td><td>slot table offset, 4096</td></tr>
 *   <tr><td>40</td><td>u32</td><td>slot count (1 to 65535)</td></tr>
 *   <tr><td>44</td><td>u32</td><td>slot record size, 256</td></tr>
 *   <tr><td>48</td><td>u64</td><td>data offset: the slot table's end rounded up to a page</td></tr>
 *   <tr><td>56</td><td>u64</td><td>window size, 2^30: no allocation crosses a multiple of it</td></tr>
 *   <tr><td>64</td><td>u64</td><td>creation time, epoch milliseconds</td></tr>
 *   <tr><td>72</td><td>16 bytes</td><td>pool UUID (most significant half first)</td></tr>
 *   <tr><td>88</td><td>u32</td><td>CRC-32C of bytes 0 to 87</td></tr>
 * </table>
 *
 * <table>
 *   <caption>Slot record (copy {@code c} of slot {@code i} at {@code 4096 + (2i + c) * 256})</caption>
 *   <tr><th>offset</th><th>type</th><th>field</th></tr>
 *   <tr><td>0</td><td>u32</td><td>magic, the ASCII bytes {@code SLOT}</td></tr>
 *   <tr><td>4</td><td>u16</td><td>state: 0 FREE, 1 RESERVED, 2 ALLOCATED</td></tr>
 *   <tr><td>6</td><td>u16</td><td>slot index {@code i}</td></tr>
 *   <tr><td>8</td><td>u64</td><td>sequence number, +1 for every write of the slot</td></tr>
 *   <tr><td>16</td><td>u64</td><td>allocation id, unique in the file, never reused</td></tr>
 *   <tr><td>24</td><td>u64</td><td>file offset of the run, page aligned</td></tr>
 *   <tr><td>32</td><td>u64</td><td>length of the run in bytes, whole pages</td></tr>
 *   <tr><td>40</td><td>u64</td><td>allocation time, epoch milliseconds</td></tr>
 *   <tr><td>48</td><td>u8</td><td>device id length (at most 128)</td></tr>
 *   <tr><td>49</td><td>u8</td><td>tag length (at most 64)</td></tr>
 *   <tr><td>52</td><td>128 bytes</td><td>device id, UTF-8</td></tr>
 *   <tr><td>180</td><td>64 bytes</td><td>tag, UTF-8</td></tr>
 *   <tr><td>252</td><td>u32</td><td>CRC-32C of bytes 0 to 251</td></tr>
 * </table>
 *
 * <table>
 *   <caption>Holder record (not covered by the header checksum)</caption>
 *   <tr><th>offset</th><th>type</th><th>field</th></tr>
 *   <tr><td>0</td><td>u32</td><td>magic, the ASCII bytes {@code HOLD}</td></tr>
 *   <tr><td>8</td><td>u64</td><td>process id</td></tr>
 *   <tr><td>16</td><td>u64</td><td>since, epoch milliseconds</td></tr>
 *   <tr><td>24</td><td>u16</td><td>text length (at most 220)</td></tr>
 *   <tr><td>26</td><td>bytes</td><td>text, UTF-8 ({@code main=} and the main class or jar)</td></tr>
 *   <tr><td>252</td><td>u32</td><td>CRC-32C of bytes 0 to 251</td></tr>
 * </table>
 *
 * <p><b>Crash safety.</b> A slot is written as a whole new record into the copy that does not hold
 * its current state, which is then forced ({@code msync}); the current state of a slot is the
 * valid copy (magic and checksum match) with the higher sequence number. A write cut short by a
 * crash leaves a copy that fails its checksum, so the slot keeps its previous state: every slot
 * change is atomic. An allocation takes two writes: {@code RESERVED} (write-ahead: the run is
 * chosen and being zeroed), then {@code ALLOCATED} (committed; only now is the block handed out).
 * A free is one write, {@code ALLOCATED} to {@code FREE}. Opening a file rolls back every
 * {@code RESERVED} slot to {@code FREE} ({@link io.jnvme.dma.pagepool.PoolReport#rolledBackAtOpen()}),
 * so a process killed at any instant leaves a pool whose allocations are exactly the committed
 * ones. A slot whose two copies are both damaged (not a possible result of a crash), overlapping
 * allocations, or an allocation outside the data pages make the file unreadable:
 * {@link io.jnvme.dma.pagepool.PoolFormatException}, with the file left unchanged. The header is
 * written last when a file is created, so a file whose first page is all zeros is taken as
 * never initialised and is initialised again.
 *
 * <p><b>Compatibility.</b> The version is checked before anything else in the header is
 * interpreted; this build reads and writes version 1 only and refuses other versions with
 * {@link io.jnvme.dma.pagepool.PoolFormatException}. A later version may add fields in bytes that
 * are zero in version 1 and must bump the version if a version-1 reader would misread the file.
 *
 * <p><b>Free space</b> is not stored: it is the data region minus the runs of {@code ALLOCATED}
 * slots, allocated first fit. Runs are whole pages, contiguous in the file and in device address
 * space, at most 1 GiB, and never cross a 1 GiB boundary of the file (each is one slice of one
 * mapping window; windows are multiples of every huge page size).
 *
 * <p><b>Files.</b> By default {@code /dev/shm/jnvme-pool-<name>}: on tmpfs the file's pages are
 * allocated (written) when the file is created, so a full tmpfs fails the open rather than a later
 * memory access. On hugetlbfs the pages are reserved when the file is mapped; the size must then
 * be a multiple of the huge page size. Any other file system works too, with disk writes behind
 * every metadata change. A new file is created readable and writable by its owner only.
 *
 * <p><b>Residency.</b> The pool does not {@code mlock} its pages (no native code). Pages of a
 * tmpfs file can be swapped out only where swap exists; a VFIO transport pins every page it maps
 * for the device, and hugetlbfs pages are never swapped.
 *
 * @since 1.0
 */
@Export
@Version("1.0.0")
package io.jnvme.dma.pagepool;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
