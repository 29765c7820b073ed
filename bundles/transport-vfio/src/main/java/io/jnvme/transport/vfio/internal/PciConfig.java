package io.jnvme.transport.vfio.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The few facts read from a PCI configuration space (PCI Local Bus 3.0 section 6, PCIe Base 4.0
 * section 7.5): the capability list and the MSI-X capability's table size.
 */
final class PciConfig {
  private PciConfig() {}

  /** Status register; bit 4 says a capability list exists. */
  static final int STATUS = 0x06;
  static final int STATUS_CAP_LIST = 1 << 4;
  /** Command register: memory space enable (bit 1) and bus master enable (bit 2). */
  static final int COMMAND = 0x04;
  static final int COMMAND_MEMORY = 1 << 1;
  static final int COMMAND_MASTER = 1 << 2;
  /** Capabilities pointer; the list lives in the first 256 bytes. */
  static final int CAPABILITIES_POINTER = 0x34;
  /** MSI-X capability ID. */
  static final int CAP_ID_MSIX = 0x11;
  /** Message Control of MSI-X, 2 bytes after the capability header; table size - 1 in 10:0. */
  static final int MSIX_MESSAGE_CONTROL = 2;
  /** Conventional configuration space holding the capability list. */
  static final int LEGACY_SIZE = 256;

  /** What the capability walk found. */
  static final int UNKNOWN = -1;

  /**
   * The MSI-X table size, 0 if the device has no MSI-X capability, or {@link #UNKNOWN} if the
   * bytes do not cover the capability list (sysfs gives an unprivileged reader only the first 64
   * bytes of a device's configuration space).
   */
  static int msixTableSize(byte[] config) {
    if (config.length < LEGACY_SIZE) {
      return UNKNOWN;
    }
    ByteBuffer b = ByteBuffer.wrap(config).order(ByteOrder.LITTLE_ENDIAN);
    if ((b.getShort(STATUS) & STATUS_CAP_LIST) == 0) {
      return 0;
    }
    int at = b.get(CAPABILITIES_POINTER) & 0xFC;
    // At most 48 capabilities fit in 192 bytes; the bound also ends a looping list.
    for (int i = 0; i < 48 && at >= 0x40 && at + 4 <= LEGACY_SIZE; i++) {
      int id = b.get(at) & 0xFF;
      if (id == CAP_ID_MSIX) {
        return (b.getShort(at + MSIX_MESSAGE_CONTROL) & 0x7FF) + 1;
      }
      at = b.get(at + 1) & 0xFC;
    }
    return 0;
  }
}
