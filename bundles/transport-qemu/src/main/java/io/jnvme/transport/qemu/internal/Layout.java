package io.jnvme.transport.qemu.internal;

import io.jnvme.dma.pagepool.PagePoolConfig;
import java.nio.file.Path;

/**
 * Where things go in the guest's physical address space.
 *
 * <pre>
 * 0x0000_0000  page pool header (guest RAM file offset 0, device-address base 0)
 * 0x0000_1000  page pool slot table, 2040 slots of 512 bytes, up to 1 MiB; it covers the legacy
 *              0xA0000-0xFFFFF VGA/BIOS windows, which are not RAM for a device's DMA
 * 0x0010_0000  page pool data: queues, PRP lists, buffers, the transport's own blocks
 * ...          up to the end of RAM (at most 1 GiB)
 * 0xB000_0000  q35 MMCONFIG
 * 0xE000_0000  BAR 0 of the driver's controller (libqos's MMIO base for PC machines)
 * 0xE010_0000  BAR 0 of the management controller
 * </pre>
 */
public final class Layout {
  /**
   * Slots of the guest RAM page pool: the slot table then ends exactly at 1 MiB (4096 + 2040 *
   * 512), so the pool's data region, all that is ever handed to the device, starts above the
   * legacy windows. Also plenty of allocations for queues and buffers.
   */
  public static final int POOL_SLOTS = 2040;
  /** The first guest-physical address the device may be given. */
  public static final long DMA_START = 0x10_0000L;
  public static final long PRIMARY_BAR = 0xE000_0000L;
  public static final long MANAGEMENT_BAR = 0xE010_0000L;
  /** Each BAR must fit its 1 MiB window. */
  public static final long BAR_WINDOW = 0x10_0000L;

  private Layout() {}

  /** The page pool over the guest RAM file: base 0, so device address = guest-physical address. */
  public static PagePoolConfig poolConfig(Path ramFile, long ramSize) {
    return new PagePoolConfig(ramFile, ramSize, 0, POOL_SLOTS);
  }
}
