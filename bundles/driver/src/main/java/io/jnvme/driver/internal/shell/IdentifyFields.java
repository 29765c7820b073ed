package io.jnvme.driver.internal.shell;

import io.jnvme.spec.IdentifyController;
import io.jnvme.spec.IdentifyNamespace;
import io.jnvme.spec.LbaFormat;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of the Identify data structures, named and laid out as nvme-cli prints them
 * ({@code id-ctrl}, {@code id-ns}): the same keys in JSON, the same {@code name : value} lines in
 * text. Offsets are from NVMe Base 2.0 Figure 275 (Identify Controller) and NVM Command Set 1.0
 * Figure 114 (Identify Namespace); the spec bundle's constants are used where it has them.
 */
final class IdentifyFields {
  private IdentifyFields() {}

  /** How a field is stored and shown. */
  private enum Kind {
    /** Unsigned little-endian integer, shown in decimal. */
    DEC,
    /** Unsigned little-endian integer, shown in hex in text (decimal in JSON, as nvme-cli). */
    HEX,
    /** ASCII, space padded (SN, MN, FR): trailing spaces and NULs dropped. */
    ASCII,
    /** UTF-8, NUL padded (SUBNQN). */
    UTF8,
    /** An identifier shown as hex digits in byte order (NGUID, EUI64, FGUID). */
    ID
  }

  /**
   * One field.
   *
   * @param name nvme-cli's key
   * @param value Long, BigInteger or String
   * @param hex whether text output shows it in hex
   */
  record Field(String name, Object value, boolean hex) {
    String text() {
      if (hex && value instanceof Long l) {
        return "0x" + Long.toHexString(l);
      }
      if (hex && value instanceof BigInteger b) {
        return "0x" + b.toString(16);
      }
      return String.valueOf(value);
    }
  }

  private record Spec(String name, int offset, int length, Kind kind) {}

  private static Spec f(String name, int offset, int length, Kind kind) {
    return new Spec(name, offset, length, kind);
  }

  private static final List<Spec> CONTROLLER = List.of(
      f("vid", IdentifyController.VID_OFFSET, 2, Kind.HEX),
      f("ssvid", IdentifyController.SSVID_OFFSET, 2, Kind.HEX),
      f("sn", IdentifyController.SN_OFFSET, IdentifyController.SN_LENGTH, Kind.ASCII),
      f("mn", IdentifyController.MN_OFFSET, IdentifyController.MN_LENGTH, Kind.ASCII),
      f("fr", IdentifyController.FR_OFFSET, IdentifyController.FR_LENGTH, Kind.ASCII),
      f("rab", IdentifyController.RAB_OFFSET, 1, Kind.DEC),
      f("ieee", IdentifyController.IEEE_OFFSET, 3, Kind.HEX),
      f("cmic", IdentifyController.CMIC_OFFSET, 1, Kind.HEX),
      f("mdts", IdentifyController.MDTS_OFFSET, 1, Kind.DEC),
      f("cntlid", IdentifyController.CNTLID_OFFSET, 2, Kind.HEX),
      f("ver", IdentifyController.VER_OFFSET, 4, Kind.HEX),
      f("rtd3r", IdentifyController.RTD3R_OFFSET, 4, Kind.HEX),
      f("rtd3e", IdentifyController.RTD3E_OFFSET, 4, Kind.HEX),
      f("oaes", IdentifyController.OAES_OFFSET, 4, Kind.HEX),
      f("ctratt", IdentifyController.CTRATT_OFFSET, 4, Kind.HEX),
      f("rrls", 100, 2, Kind.HEX),
      f("cntrltype", IdentifyController.CNTRLTYPE_OFFSET, 1, Kind.DEC),
      f("fguid", IdentifyController.FGUID_OFFSET, 16, Kind.ID),
      f("crdt1", 128, 2, Kind.DEC),
      f("crdt2", 130, 2, Kind.DEC),
      f("crdt3", 132, 2, Kind.DEC),
      f("nvmsr", 253, 1, Kind.DEC),
      f("vwci", 254, 1, Kind.DEC),
      f("mec", 255, 1, Kind.DEC),
      f("oacs", IdentifyController.OACS_OFFSET, 2, Kind.HEX),
      f("acl", IdentifyController.ACL_OFFSET, 1, Kind.DEC),
      f("aerl", IdentifyController.AERL_OFFSET, 1, Kind.DEC),
      f("frmw", IdentifyController.FRMW_OFFSET, 1, Kind.HEX),
      f("lpa", IdentifyController.LPA_OFFSET, 1, Kind.HEX),
      f("elpe", IdentifyController.ELPE_OFFSET, 1, Kind.DEC),
      f("npss", IdentifyController.NPSS_OFFSET, 1, Kind.DEC),
      f("avscc", 264, 1, Kind.HEX),
      f("apsta", 265, 1, Kind.HEX),
      f("wctemp", IdentifyController.WCTEMP_OFFSET, 2, Kind.DEC),
      f("cctemp", IdentifyController.CCTEMP_OFFSET, 2, Kind.DEC),
      f("mtfa", 270, 2, Kind.DEC),
      f("hmpre", 272, 4, Kind.DEC),
      f("hmmin", 276, 4, Kind.DEC),
      f("tnvmcap", 280, 16, Kind.DEC),
      f("unvmcap", 296, 16, Kind.DEC),
      f("rpmbs", 312, 4, Kind.DEC),
      f("edstt", 316, 2, Kind.DEC),
      f("dsto", 318, 1, Kind.DEC),
      f("fwug", 319, 1, Kind.DEC),
      f("kas", 320, 2, Kind.DEC),
      f("hctma", 322, 2, Kind.HEX),
      f("mntmt", 324, 2, Kind.DEC),
      f("mxtmt", 326, 2, Kind.DEC),
      f("sanicap", 328, 4, Kind.HEX),
      f("hmminds", 332, 4, Kind.DEC),
      f("hmmaxd", 336, 2, Kind.DEC),
      f("nsetidmax", 338, 2, Kind.DEC),
      f("endgidmax", 340, 2, Kind.DEC),
      f("anatt", 342, 1, Kind.DEC),
      f("anacap", 343, 1, Kind.DEC),
      f("anagrpmax", 344, 4, Kind.DEC),
      f("nanagrpid", 348, 4, Kind.DEC),
      f("pels", 352, 4, Kind.DEC),
      f("domainid", 356, 2, Kind.DEC),
      f("megcap", 368, 16, Kind.DEC),
      f("sqes", IdentifyController.SQES_OFFSET, 1, Kind.HEX),
      f("cqes", IdentifyController.CQES_OFFSET, 1, Kind.HEX),
      f("maxcmd", IdentifyController.MAXCMD_OFFSET, 2, Kind.DEC),
      f("nn", IdentifyController.NN_OFFSET, 4, Kind.DEC),
      f("oncs", IdentifyController.ONCS_OFFSET, 2, Kind.HEX),
      f("fuses", IdentifyController.FUSES_OFFSET, 2, Kind.HEX),
      f("fna", IdentifyController.FNA_OFFSET, 1, Kind.HEX),
      f("vwc", IdentifyController.VWC_OFFSET, 1, Kind.HEX),
      f("awun", IdentifyController.AWUN_OFFSET, 2, Kind.DEC),
      f("awupf", IdentifyController.AWUPF_OFFSET, 2, Kind.DEC),
      f("icsvscc", 530, 1, Kind.DEC),
      f("nwpc", 531, 1, Kind.DEC),
      f("acwu", 532, 2, Kind.DEC),
      f("ocfs", 534, 2, Kind.HEX),
      f("sgls", IdentifyController.SGLS_OFFSET, 4, Kind.HEX),
      f("mnan", IdentifyController.MNAN_OFFSET, 4, Kind.DEC),
      f("maxdna", 544, 16, Kind.DEC),
      f("maxcna", 560, 4, Kind.DEC),
      f("subnqn", IdentifyController.SUBNQN_OFFSET, IdentifyController.SUBNQN_LENGTH, Kind.UTF8),
      f("ioccsz", 1792, 4, Kind.DEC),
      f("iorcsz", 1796, 4, Kind.DEC),
      f("icdoff", 1800, 2, Kind.DEC),
      f("fcatt", 1802, 1, Kind.DEC),
      f("msdbd", 1803, 1, Kind.DEC),
      f("ofcs", 1804, 2, Kind.DEC));

  private static final List<Spec> NAMESPACE = List.of(
      f("nsze", IdentifyNamespace.NSZE_OFFSET, 8, Kind.HEX),
      f("ncap", IdentifyNamespace.NCAP_OFFSET, 8, Kind.HEX),
      f("nuse", IdentifyNamespace.NUSE_OFFSET, 8, Kind.HEX),
      f("nsfeat", IdentifyNamespace.NSFEAT_OFFSET, 1, Kind.HEX),
      f("nlbaf", IdentifyNamespace.NLBAF_OFFSET, 1, Kind.DEC),
      f("flbas", IdentifyNamespace.FLBAS_OFFSET, 1, Kind.HEX),
      f("mc", IdentifyNamespace.MC_OFFSET, 1, Kind.HEX),
      f("dpc", IdentifyNamespace.DPC_OFFSET, 1, Kind.HEX),
      f("dps", IdentifyNamespace.DPS_OFFSET, 1, Kind.HEX),
      f("nmic", IdentifyNamespace.NMIC_OFFSET, 1, Kind.HEX),
      f("rescap", IdentifyNamespace.RESCAP_OFFSET, 1, Kind.HEX),
      f("fpi", IdentifyNamespace.FPI_OFFSET, 1, Kind.HEX),
      f("dlfeat", IdentifyNamespace.DLFEAT_OFFSET, 1, Kind.DEC),
      f("nawun", IdentifyNamespace.NAWUN_OFFSET, 2, Kind.DEC),
      f("nawupf", IdentifyNamespace.NAWUPF_OFFSET, 2, Kind.DEC),
      f("nacwu", IdentifyNamespace.NACWU_OFFSET, 2, Kind.DEC),
      f("nabsn", 40, 2, Kind.DEC),
      f("nabo", 42, 2, Kind.DEC),
      f("nabspf", 44, 2, Kind.DEC),
      f("noiob", IdentifyNamespace.NOIOB_OFFSET, 2, Kind.DEC),
      f("nvmcap", IdentifyNamespace.NVMCAP_OFFSET, 16, Kind.DEC),
      f("npwg", IdentifyNamespace.NPWG_OFFSET, 2, Kind.DEC),
      f("npwa", IdentifyNamespace.NPWA_OFFSET, 2, Kind.DEC),
      f("npdg", IdentifyNamespace.NPDG_OFFSET, 2, Kind.DEC),
      f("npda", IdentifyNamespace.NPDA_OFFSET, 2, Kind.DEC),
      f("nows", IdentifyNamespace.NOWS_OFFSET, 2, Kind.DEC),
      f("mssrl", 74, 2, Kind.DEC),
      f("mcl", 76, 4, Kind.DEC),
      f("msrc", 80, 1, Kind.DEC),
      f("nulbaf", 84, 1, Kind.DEC),
      f("anagrpid", IdentifyNamespace.ANAGRPID_OFFSET, 4, Kind.DEC),
      f("nsattr", IdentifyNamespace.NSATTR_OFFSET, 1, Kind.DEC),
      f("nvmsetid", IdentifyNamespace.NVMSETID_OFFSET, 2, Kind.DEC),
      f("endgid", IdentifyNamespace.ENDGID_OFFSET, 2, Kind.DEC),
      f("nguid", IdentifyNamespace.NGUID_OFFSET, 16, Kind.ID),
      f("eui64", IdentifyNamespace.EUI64_OFFSET, 8, Kind.ID));

  /** The fields of a 4096-byte Identify Controller structure. */
  static List<Field> controller(ByteBuffer raw) {
    return decode(checked(raw, IdentifyController.SIZE, "Identify Controller"), CONTROLLER);
  }

  /** The fields of a 4096-byte Identify Namespace structure, without the LBA formats. */
  static List<Field> namespace(ByteBuffer raw) {
    return decode(checked(raw, IdentifyNamespace.SIZE, "Identify Namespace"), NAMESPACE);
  }

  /** LBA formats 0..NLBAF of an Identify Namespace structure, and which one is in use. */
  static List<Lbaf> lbafs(ByteBuffer raw) {
    IdentifyNamespace ns = new IdentifyNamespace()
        .wrap(checked(raw, IdentifyNamespace.SIZE, "Identify Namespace"), 0);
    int count = Math.min(ns.nlbafZ() + 1, IdentifyNamespace.LBAF_COUNT);
    int inUse = ns.formatIndex();
    List<Lbaf> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(new Lbaf(i, ns.lbaf(i), i == inUse));
    }
    return out;
  }

  /**
   * One LBA format.
   *
   * @param index its number
   * @param format the format
   * @param inUse whether FLBAS selects it
   */
  record Lbaf(int index, LbaFormat format, boolean inUse) {}

  /** The fields as a JSON object, in order. */
  static Map<String, Object> json(List<Field> fields) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (Field f : fields) {
      m.put(f.name(), f.value());
    }
    return m;
  }

  /** nvme-cli's text layout: {@code name      : value}, one per line. */
  static void text(StringBuilder out, List<Field> fields) {
    for (Field f : fields) {
      out.append(String.format("%-10s: %s%n", f.name(), f.text()));
    }
  }

  private static ByteBuffer checked(ByteBuffer raw, int size, String what) {
    ByteBuffer b = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() < size) {
      throw new IllegalStateException(what + " data has " + b.remaining() + " bytes, not " + size);
    }
    return b;
  }

  private static List<Field> decode(ByteBuffer b, List<Spec> specs) {
    List<Field> out = new ArrayList<>(specs.size());
    for (Spec s : specs) {
      Object value = switch (s.kind()) {
        case DEC, HEX -> unsigned(b, s.offset(), s.length());
        case ASCII -> text(b, s.offset(), s.length(), StandardCharsets.US_ASCII).strip();
        case UTF8 -> text(b, s.offset(), s.length(), StandardCharsets.UTF_8);
        case ID -> hex(b, s.offset(), s.length());
      };
      out.add(new Field(s.name(), value, s.kind() == Kind.HEX));
    }
    return out;
  }

  /** An unsigned little-endian integer: a Long when it fits, else a BigInteger. */
  private static Object unsigned(ByteBuffer b, int offset, int length) {
    if (length <= 7) {
      long v = 0;
      for (int i = length - 1; i >= 0; i--) {
        v = (v << 8) | (b.get(offset + i) & 0xFF);
      }
      return v;
    }
    byte[] be = new byte[length + 1]; // leading zero byte keeps it positive
    for (int i = 0; i < length; i++) {
      be[length - i] = b.get(offset + i);
    }
    BigInteger v = new BigInteger(be);
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  private static String text(ByteBuffer b, int offset, int length,
      java.nio.charset.Charset charset) {
    int end = 0;
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = b.get(offset + i);
    }
    while (end < length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, 0, end, charset);
  }

  private static String hex(ByteBuffer b, int offset, int length) {
    StringBuilder s = new StringBuilder(length * 2);
    for (int i = 0; i < length; i++) {
      s.append(String.format("%02x", b.get(offset + i) & 0xFF));
    }
    return s.toString();
  }
}
