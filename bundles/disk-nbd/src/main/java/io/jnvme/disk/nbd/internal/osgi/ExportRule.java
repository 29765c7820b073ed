package io.jnvme.disk.nbd.internal.osgi;

import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the server's {@code exports} configuration: {@code <device>} or
 * {@code <export>=<device>}, optionally followed by {@code :ro} or {@code :rw}.
 *
 * @param export the export name
 * @param device the block device's name
 * @param readOnly true for {@code :ro}; {@code :rw} and no suffix leave it to the device
 */
record ExportRule(String export, String device, boolean readOnly) {
  static ExportRule parse(String entry) {
    String s = entry.strip();
    boolean ro = false;
    if (s.endsWith(":ro")) {
      ro = true;
      s = s.substring(0, s.length() - 3);
    } else if (s.endsWith(":rw")) {
      s = s.substring(0, s.length() - 3);
    }
    int eq = s.indexOf('=');
    String export = eq < 0 ? s : s.substring(0, eq).strip();
    String device = eq < 0 ? s : s.substring(eq + 1).strip();
    if (export.isEmpty() || device.isEmpty()) {
      throw new IllegalArgumentException("export entry '" + entry
          + "': expected <device> or <export>=<device>, optionally with :ro or :rw");
    }
    return new ExportRule(export, device, ro);
  }

  static List<ExportRule> parseAll(String[] entries) {
    List<ExportRule> l = new ArrayList<>();
    for (String e : entries) {
      if (!e.isBlank()) {
        l.add(parse(e));
      }
    }
    return l;
  }
}
