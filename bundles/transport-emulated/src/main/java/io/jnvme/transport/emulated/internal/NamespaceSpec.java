package io.jnvme.transport.emulated.internal;

import io.jnvme.transport.emulated.EmulatedNamespace;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One namespace of a textual configuration, as the OSGi configuration gives it. The format is a
 * comma-separated list of {@code nsid:backing}, where backing is one of
 *
 * <ul>
 *   <li>{@code SIZE[:LBA]} or {@code mem:SIZE[:LBA]}: memory;
 *   <li>{@code null:SIZE[:LBA]}: a null namespace;
 *   <li>{@code file=PATH:SIZE[:LBA]}: a file (the path may itself contain colons).
 * </ul>
 *
 * <p>SIZE is a number of bytes with an optional binary suffix K, M, G, T or P (also KiB, MB...,
 * all meaning powers of 1024); LBA is the block size in bytes, 512 if absent. Example:
 * {@code 1:256M,2:64M:4096,3:null:1T,4:file=/var/lib/jnvme/ns4.img:1G}.
 *
 * @param nsid namespace id
 * @param kind {@code mem}, {@code null} or {@code file}
 * @param sizeBytes capacity
 * @param lbaSize block size
 * @param path backing file, for {@code file}
 */
public record NamespaceSpec(int nsid, String kind, long sizeBytes, int lbaSize, String path) {
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(?:([KMGTP])(?:I?B)?|B)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern DIGITS = Pattern.compile("\\d+");

  /**
   * Parses a configuration string; blank means no namespaces.
   *
   * @throws IllegalArgumentException naming the entry and what is wrong with it
   */
  public static List<NamespaceSpec> parse(String config) {
    List<NamespaceSpec> out = new ArrayList<>();
    if (config == null || config.isBlank()) {
      return out;
    }
    Set<Integer> seen = new HashSet<>();
    for (String raw : config.split(",")) {
      String entry = raw.trim();
      try {
        NamespaceSpec s = parseEntry(entry);
        if (!seen.add(s.nsid)) {
          throw new IllegalArgumentException("nsid " + s.nsid + " appears twice");
        }
        out.add(s);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("namespaces=\"" + config + "\": entry \"" + entry
            + "\": " + e.getMessage(), e);
      }
    }
    return out;
  }

  private static NamespaceSpec parseEntry(String entry) {
    int colon = entry.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("expected nsid:backing, e.g. 1:256M");
    }
    String id = entry.substring(0, colon).trim();
    if (!DIGITS.matcher(id).matches()) {
      throw new IllegalArgumentException("nsid \"" + id + "\" is not a number");
    }
    int nsid;
    try {
      nsid = Integer.parseInt(id);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("nsid \"" + id + "\" is too large");
    }
    if (nsid < 1) {
      throw new IllegalArgumentException("nsid must be at least 1");
    }
    String body = entry.substring(colon + 1).trim();
    if (body.regionMatches(true, 0, "file=", 0, 5)) {
      List<String> t = List.of(body.substring(5).split(":", -1));
      if (t.size() < 2) {
        throw new IllegalArgumentException("expected file=PATH:SIZE[:LBA]");
      }
      int sizeAt = t.size() - 1;
      Integer lba = null;
      if (t.size() >= 3 && DIGITS.matcher(t.get(sizeAt).trim()).matches()
          && SIZE.matcher(t.get(sizeAt - 1).trim()).matches()) {
        lba = lba(t.get(sizeAt));
        sizeAt--;
      }
      String path = String.join(":", t.subList(0, sizeAt)).trim();
      if (path.isEmpty()) {
        throw new IllegalArgumentException("empty file path");
      }
      try {
        Path.of(path);
      } catch (InvalidPathException e) {
        throw new IllegalArgumentException("bad file path \"" + path + "\": " + e.getMessage());
      }
      return spec(nsid, "file", t.get(sizeAt), lba, path);
    }
    String[] t = body.split(":", -1);
    String kind = "mem";
    int at = 0;
    if (t[0].trim().equalsIgnoreCase("null") || t[0].trim().equalsIgnoreCase("mem")) {
      kind = t[0].trim().toLowerCase(Locale.ROOT);
      at = 1;
    }
    int left = t.length - at;
    if (left < 1 || left > 2) {
      throw new IllegalArgumentException("expected [mem:|null:]SIZE[:LBA] or file=PATH:SIZE[:LBA]");
    }
    return spec(nsid, kind, t[at], left == 2 ? lba(t[at + 1]) : null, null);
  }

  private static NamespaceSpec spec(int nsid, String kind, String size, Integer lba, String path) {
    int l = lba == null ? 512 : lba;
    long bytes = size(size);
    NamespaceChecks.lbaSize(l);
    NamespaceChecks.size(bytes, l);
    return new NamespaceSpec(nsid, kind, bytes, l, path);
  }

  private static int lba(String s) {
    String v = s.trim();
    if (!DIGITS.matcher(v).matches() || v.length() > 6) {
      throw new IllegalArgumentException("block size \"" + v + "\" is not a number of bytes");
    }
    return Integer.parseInt(v);
  }

  /** Parses a size such as {@code 256M}, {@code 1T}, {@code 4096}, {@code 64MiB}. */
  public static long size(String s) {
    String v = s.trim();
    Matcher m = SIZE.matcher(v);
    if (!m.matches()) {
      throw new IllegalArgumentException("size \"" + v
          + "\" is not a number with an optional K, M, G, T or P suffix");
    }
    int shift = m.group(2) == null ? 0
        : 10 * (1 + "KMGTP".indexOf(Character.toUpperCase(m.group(2).charAt(0))));
    try {
      long n = Long.parseLong(m.group(1));
      if (n > (Long.MAX_VALUE >>> shift)) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("size \"" + v + "\" is too large");
    }
  }

  /**
   * Creates the namespace.
   *
   * @throws IOException if a file cannot be opened or extended
   */
  public EmulatedNamespace create() throws IOException {
    switch (kind) {
      case "null":
        return EmulatedNamespace.nullDevice(sizeBytes, lbaSize);
      case "file":
        return EmulatedNamespace.file(Path.of(path), sizeBytes, lbaSize);
      default:
        return EmulatedNamespace.memory(sizeBytes, lbaSize);
    }
  }
}
