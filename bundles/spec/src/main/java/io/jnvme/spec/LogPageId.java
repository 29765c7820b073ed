package io.jnvme.spec;

import java.util.Map;

/**
 * Log Page Identifiers for Get Log Page (Base spec 2.0, §5.16.1). An open value type: unknown codes still print.
 *
 * @param raw the code
 */
public record LogPageId(int raw) {
  public static final LogPageId SUPPORTED_LOG_PAGES = new LogPageId(0x00);
  public static final LogPageId ERROR_INFORMATION = new LogPageId(0x01);
  public static final LogPageId SMART_HEALTH = new LogPageId(0x02);
  public static final LogPageId FIRMWARE_SLOT = new LogPageId(0x03);
  public static final LogPageId CHANGED_NAMESPACE_LIST = new LogPageId(0x04);
  public static final LogPageId COMMANDS_SUPPORTED_AND_EFFECTS = new LogPageId(0x05);

  private static final Map<Integer, String> NAMES = Codes.names(LogPageId.class, LogPageId::raw);

  /** The constant's name, or the code in hex. */
  public String name() {
    String n = NAMES.get(raw);
    return n != null ? n : Codes.hex("LID", raw);
  }

  @Override
  public String toString() {
    return name();
  }
}
