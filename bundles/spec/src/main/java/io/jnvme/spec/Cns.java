package io.jnvme.spec;

import java.util.Map;

/**
 * Controller or Namespace Structure values for Identify (Base spec 2.0, §5.17.1). An open value type: unknown codes still print.
 *
 * @param raw the code
 */
public record Cns(int raw) {
  public static final Cns NAMESPACE = new Cns(0x00);
  public static final Cns CONTROLLER = new Cns(0x01);
  public static final Cns ACTIVE_NAMESPACE_LIST = new Cns(0x02);
  public static final Cns NAMESPACE_ID_DESCRIPTORS = new Cns(0x03);
  /** I/O Command Set specific Identify Namespace (CDW11.CSI selects the set). */
  public static final Cns IO_COMMAND_SET_NAMESPACE = new Cns(0x05);
  /** I/O Command Set specific Identify Controller. */
  public static final Cns IO_COMMAND_SET_CONTROLLER = new Cns(0x06);
  /** Active Namespace ID list of one I/O Command Set. */
  public static final Cns IO_COMMAND_SET_ACTIVE_NAMESPACE_LIST = new Cns(0x07);
  /** I/O Command Set Independent Identify Namespace. */
  public static final Cns IO_COMMAND_SET_INDEPENDENT_NAMESPACE = new Cns(0x08);
  /** Allocated Namespace ID list. */
  public static final Cns ALLOCATED_NAMESPACE_LIST = new Cns(0x10);
  /** Identify Namespace for an allocated NSID. */
  public static final Cns ALLOCATED_NAMESPACE = new Cns(0x11);
  /** Controllers attached to a namespace. */
  public static final Cns NAMESPACE_ATTACHED_CONTROLLER_LIST = new Cns(0x12);
  /** Controllers in the NVM subsystem. */
  public static final Cns CONTROLLER_LIST = new Cns(0x13);
  /** Primary Controller Capabilities. */
  public static final Cns PRIMARY_CONTROLLER_CAPABILITIES = new Cns(0x14);
  /** Secondary Controller list. */
  public static final Cns SECONDARY_CONTROLLER_LIST = new Cns(0x15);
  /** Namespace Granularity list. */
  public static final Cns NAMESPACE_GRANULARITY_LIST = new Cns(0x16);
  /** UUID list. */
  public static final Cns UUID_LIST = new Cns(0x17);
  /** I/O Command Set data structure (the command set combinations). */
  public static final Cns IO_COMMAND_SET = new Cns(0x1C);

  private static final Map<Integer, String> NAMES = Codes.names(Cns.class, Cns::raw);

  /** The constant's name, or the code in hex. */
  public String name() {
    String n = NAMES.get(raw);
    return n != null ? n : Codes.hex("CNS", raw);
  }

  @Override
  public String toString() {
    return name();
  }
}
