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
  /** Device Self-test. */
  public static final LogPageId DEVICE_SELF_TEST = new LogPageId(0x06);
  /** Telemetry Host-Initiated. */
  public static final LogPageId TELEMETRY_HOST_INITIATED = new LogPageId(0x07);
  /** Telemetry Controller-Initiated. */
  public static final LogPageId TELEMETRY_CONTROLLER_INITIATED = new LogPageId(0x08);
  /** Endurance Group Information. */
  public static final LogPageId ENDURANCE_GROUP_INFORMATION = new LogPageId(0x09);
  /** Asymmetric Namespace Access. */
  public static final LogPageId ASYMMETRIC_NAMESPACE_ACCESS = new LogPageId(0x0C);
  /** Persistent Event Log. */
  public static final LogPageId PERSISTENT_EVENT = new LogPageId(0x0D);
  /** Feature Identifiers Supported and Effects. */
  public static final LogPageId FEATURE_IDENTIFIERS_SUPPORTED_AND_EFFECTS = new LogPageId(0x12);
  /** Discovery (NVMe over Fabrics discovery controllers). */
  public static final LogPageId DISCOVERY = new LogPageId(0x70);
  /** Reservation Notification. */
  public static final LogPageId RESERVATION_NOTIFICATION = new LogPageId(0x80);
  /** Sanitize Status. */
  public static final LogPageId SANITIZE_STATUS = new LogPageId(0x81);

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
