package io.jnvme.disk.nbd.internal;

import io.jnvme.disk.BlockDevice;
import java.util.Objects;

/**
 * One export of an {@link NbdServer}: a name clients ask for, the device behind it, and whether
 * clients may write. A read-only device is always exported read-only.
 *
 * @param name the export name (UTF-8, at most 4096 bytes, no NUL)
 * @param description shown by {@code nbdinfo}; may be empty
 */
public record NbdExport(String name, String description, BlockDevice device, boolean readOnly) {
  public NbdExport {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(device, "device");
    description = description == null ? "" : description;
    if (name.indexOf('\0') >= 0
        || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > Nbd.MAX_STRING) {
      throw new IllegalArgumentException("export name must have no NUL and at most "
          + Nbd.MAX_STRING + " bytes: " + name);
    }
  }

  /** An export of {@code device} under its own name, read-only if the device is. */
  public static NbdExport of(BlockDevice device) {
    return new NbdExport(device.name(), describe(device), device, device.readOnly());
  }

  /** The default description: the namespace behind the device. */
  public static String describe(BlockDevice device) {
    return "jnvme " + device.name() + ": namespace " + device.nsid() + " of "
        + device.controllerName() + ", " + device.blockSize() + "-byte blocks";
  }

  /** Writes are refused if the export or its device is read-only. */
  public boolean effectivelyReadOnly() {
    return readOnly || device.readOnly();
  }
}
