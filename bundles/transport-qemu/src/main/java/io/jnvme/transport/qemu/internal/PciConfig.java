package io.jnvme.transport.qemu.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * PCI configuration space of bus 0 through the legacy configuration mechanism #1 (I/O ports
 * {@code 0xCF8} address, {@code 0xCFC} data), as QEMU's own libqos does on PC machines: the only
 * way to configure a device when no firmware ran.
 */
final class PciConfig {
  static final int CONFIG_ADDRESS = 0xCF8;
  static final int CONFIG_DATA = 0xCFC;
  static final int VENDOR_ID = 0x00;
  static final int COMMAND = 0x04;
  static final int CLASS_REVISION = 0x08;
  static final int BAR0 = 0x10;
  static final int BAR1 = 0x14;
  static final int CAPABILITIES_POINTER = 0x34;
  /** COMMAND bit 1: memory space enable; bit 2: bus master enable. */
  static final int COMMAND_MEMORY = 0x2;
  static final int COMMAND_BUS_MASTER = 0x4;
  /** Class code 01h/08h/02h: mass storage, non-volatile memory, NVM Express. */
  static final int CLASS_NVME = 0x010802;
  static final int CAP_ID_MSIX = 0x11;

  private final QtestClient qt;

  PciConfig(QtestClient qt) {
    this.qt = qt;
  }

  /** One function found by {@link #scan()}. */
  record Function(int devfn, int vendor, int device, int classCode) {
    String address() {
      return String.format("0000:00:%02x.%x", devfn >>> 3, devfn & 7);
    }
  }

  private static int address(int devfn, int offset) {
    return 0x8000_0000 | (devfn << 8) | (offset & 0xFC);
  }

  int read32(int devfn, int offset) {
    qt.outl(CONFIG_ADDRESS, address(devfn, offset));
    return qt.inl(CONFIG_DATA);
  }

  int read16(int devfn, int offset) {
    qt.outl(CONFIG_ADDRESS, address(devfn, offset));
    return qt.inw(CONFIG_DATA + (offset & 2)) & 0xFFFF;
  }

  int read8(int devfn, int offset) {
    qt.outl(CONFIG_ADDRESS, address(devfn, offset));
    return qt.inb(CONFIG_DATA + (offset & 3)) & 0xFF;
  }

  void write32(int devfn, int offset, int value) {
    qt.outl(CONFIG_ADDRESS, address(devfn, offset));
    qt.outl(CONFIG_DATA, value);
  }

  void write16(int devfn, int offset, int value) {
    qt.outl(CONFIG_ADDRESS, address(devfn, offset));
    qt.outw(CONFIG_DATA + (offset & 2), value);
  }

  /** Every function on bus 0 (vendor id not all ones or zero). */
  List<Function> scan() {
    List<Function> found = new ArrayList<>();
    for (int devfn = 0; devfn < 256; devfn++) {
      int id = read32(devfn, VENDOR_ID);
      if (id == -1 || id == 0) {
        continue;
      }
      found.add(new Function(devfn, id & 0xFFFF, id >>> 16,
          read32(devfn, CLASS_REVISION) >>> 8));
    }
    return found;
  }

  /** The function at {@code devfn}, or null if nothing answers there. */
  Function function(int devfn) {
    int id = read32(devfn, VENDOR_ID);
    if (id == -1 || id == 0) {
      return null;
    }
    return new Function(devfn, id & 0xFFFF, id >>> 16, read32(devfn, CLASS_REVISION) >>> 8);
  }

  /** Offset of capability {@code id} in the capability list, or 0. */
  int findCapability(int devfn, int id) {
    int p = read8(devfn, CAPABILITIES_POINTER) & 0xFC;
    for (int hops = 0; p != 0 && hops < 48; hops++) {
      if (read8(devfn, p) == id) {
        return p;
      }
      p = read8(devfn, p + 1) & 0xFC;
    }
    return 0;
  }

  /** BAR 0 as programmed now (64-bit memory BARs include BAR 1), without the flag bits. */
  long bar0(int devfn) {
    int lo = read32(devfn, BAR0);
    long base = lo & 0xFFFF_FFF0L;
    if (((lo >>> 1) & 3) == 2) {
      base |= (long) read32(devfn, BAR1) << 32;
    }
    return base;
  }

  /** Sizes BAR 0 by writing all ones, then restores it; returns the size in bytes. */
  long sizeBar0(int devfn) {
    int saved = read32(devfn, BAR0);
    write32(devfn, BAR0, 0xFFFF_FFFF);
    int probe = read32(devfn, BAR0);
    write32(devfn, BAR0, saved);
    if ((probe & 1) != 0) {
      throw new IllegalStateException("BAR0 of devfn 0x" + Integer.toHexString(devfn)
          + " is an I/O BAR");
    }
    return (~(probe & 0xFFFF_FFF0L) & 0xFFFF_FFFFL) + 1;
  }

  /**
   * Places BAR 0 at {@code address} and enables memory decoding and bus mastering (without bus
   * mastering the device's DMA goes nowhere).
   */
  void placeBar0(int devfn, long address) {
    int lo = read32(devfn, BAR0);
    write32(devfn, BAR0, (int) address);
    if (((lo >>> 1) & 3) == 2) {
      write32(devfn, BAR1, (int) (address >>> 32));
    }
    enableMemoryAndBusMaster(devfn);
  }

  void enableMemoryAndBusMaster(int devfn) {
    int cmd = read16(devfn, COMMAND);
    write16(devfn, COMMAND, cmd | COMMAND_MEMORY | COMMAND_BUS_MASTER);
  }

  boolean memoryEnabled(int devfn) {
    return (read16(devfn, COMMAND) & COMMAND_MEMORY) != 0;
  }
}
