package io.jnvme.transport.vfio.internal;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI address in sysfs form, {@code DDDD:BB:DD.F}: domain (4 hex digits, more on systems with
 * large domain numbers), bus, device (0..1f) and function (0..7).
 *
 * @param text the normalised address: lower case, domain padded to 4 digits
 */
public record PciAddress(String text) {
  private static final Pattern FORM = Pattern.compile(
      "(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");

  /**
   * Parses {@code 0000:01:00.0} or {@code 01:00.0} (domain 0).
   *
   * @throws IllegalArgumentException if {@code s} is not such an address
   */
  public static PciAddress parse(String s) {
    Matcher m = s == null ? null : FORM.matcher(s.trim());
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(String.valueOf(s));
    }
    int device = Integer.parseInt(m.group(3), 16);
    if (device > 0x1f) {
      throw new IllegalArgumentException(s);
    }
    long domain = m.group(1) == null ? 0 : Long.parseLong(m.group(1), 16);
    int bus = Integer.parseInt(m.group(2), 16);
    return new PciAddress(String.format(Locale.ROOT, "%04x:%02x:%02x.%s", domain, bus, device,
        m.group(4)));
  }

  @Override
  public String toString() {
    return text;
  }
}
