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
