package io.jnvme.spec;

import java.util.Map;

/**
 * NVM command set I/O opcodes (NVM Command Set spec 1.0, §3, Figure 14). An open value type: unknown codes still print.
 *
 * @param raw the code
 */
public record NvmOpcode(int raw) {
  public static final NvmOpcode FLUSH = new NvmOpcode(0x00);
  public static final NvmOpcode WRITE = new NvmOpcode(0x01);
  public static final NvmOpcode READ = new NvmOpcode(0x02);
  public static final NvmOpcode WRITE_UNCORRECTABLE = new NvmOpcode(0x04);
  public static final NvmOpcode COMPARE = new NvmOpcode(0x05);
  public static final NvmOpcode WRITE_ZEROES = new NvmOpcode(0x08);
  public static final NvmOpcode DATASET_MANAGEMENT = new NvmOpcode(0x09);
  public static final NvmOpcode VERIFY = new NvmOpcode(0x0C);
  public static final NvmOpcode RESERVATION_REGISTER = new NvmOpcode(0x0D);
  public static final NvmOpcode RESERVATION_REPORT = new NvmOpcode(0x0E);
  public static final NvmOpcode RESERVATION_ACQUIRE = new NvmOpcode(0x11);
  public static final NvmOpcode RESERVATION_RELEASE = new NvmOpcode(0x15);
  /** Copy. */
  public static final NvmOpcode COPY = new NvmOpcode(0x19);

  private static final Map<Integer, String> NAMES = Codes.names(NvmOpcode.class, NvmOpcode::raw);

  /** The constant's name, or the code in hex. */
  public String name() {
    String n = NAMES.get(raw);
    return n != null ? n : Codes.hex("NVM", raw);
  }

  @Override
  public String toString() {
    return name();
  }
}
