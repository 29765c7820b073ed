package io.jnvme.spec;

import java.util.Map;

/**
 * Status Code Type (Base spec 2.0, §4.2.3). An open value type: unknown codes still print.
 *
 * @param raw the code
 */
public record StatusCodeType(int raw) {
  public static final StatusCodeType GENERIC = new StatusCodeType(0);
  public static final StatusCodeType COMMAND_SPECIFIC = new StatusCodeType(1);
  public static final StatusCodeType MEDIA_ERROR = new StatusCodeType(2);
  public static final StatusCodeType PATH_RELATED = new StatusCodeType(3);
  public static final StatusCodeType VENDOR_SPECIFIC = new StatusCodeType(7);

  private static final Map<Integer, String> NAMES = Codes.names(StatusCodeType.class, StatusCodeType::raw);

  /** The constant's name, or the code in hex. */
  public String name() {
    String n = NAMES.get(raw);
    return n != null ? n : Codes.hex("SCT", raw);
  }

  @Override
  public String toString() {
    return name();
  }
}
