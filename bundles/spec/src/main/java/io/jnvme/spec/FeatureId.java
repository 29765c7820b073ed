package io.jnvme.spec;

import java.util.Map;

/**
 * Feature Identifiers for Get/Set Features (Base spec 2.0, §5.27.1). An open value type: unknown codes still print.
 *
 * @param raw the code
 */
public record FeatureId(int raw) {
  public static final FeatureId ARBITRATION = new FeatureId(0x01);
  public static final FeatureId POWER_MANAGEMENT = new FeatureId(0x02);
  /** LBA Range Type. */
  public static final FeatureId LBA_RANGE_TYPE = new FeatureId(0x03);
  public static final FeatureId TEMPERATURE_THRESHOLD = new FeatureId(0x04);
  public static final FeatureId ERROR_RECOVERY = new FeatureId(0x05);
  public static final FeatureId VOLATILE_WRITE_CACHE = new FeatureId(0x06);
  public static final FeatureId NUMBER_OF_QUEUES = new FeatureId(0x07);
  public static final FeatureId INTERRUPT_COALESCING = new FeatureId(0x08);
  public static final FeatureId INTERRUPT_VECTOR_CONFIGURATION = new FeatureId(0x09);
  public static final FeatureId WRITE_ATOMICITY_NORMAL = new FeatureId(0x0A);
  public static final FeatureId ASYNC_EVENT_CONFIGURATION = new FeatureId(0x0B);
  public static final FeatureId AUTONOMOUS_POWER_STATE_TRANSITION = new FeatureId(0x0C);
  public static final FeatureId HOST_MEMORY_BUFFER = new FeatureId(0x0D);
  public static final FeatureId TIMESTAMP = new FeatureId(0x0E);
  public static final FeatureId KEEP_ALIVE_TIMER = new FeatureId(0x0F);
  /** Host Controlled Thermal Management. */
  public static final FeatureId HOST_CONTROLLED_THERMAL_MANAGEMENT = new FeatureId(0x10);
  /** Non-Operational Power State Config. */
  public static final FeatureId NON_OPERATIONAL_POWER_STATE_CONFIG = new FeatureId(0x11);
  /** Host Behavior Support. */
  public static final FeatureId HOST_BEHAVIOR_SUPPORT = new FeatureId(0x16);
  /** Sanitize Config. */
  public static final FeatureId SANITIZE_CONFIG = new FeatureId(0x17);
  /** I/O Command Set Profile. */
  public static final FeatureId IO_COMMAND_SET_PROFILE = new FeatureId(0x19);
  /** Software Progress Marker. */
  public static final FeatureId SOFTWARE_PROGRESS_MARKER = new FeatureId(0x80);
  /** Host Identifier. */
  public static final FeatureId HOST_IDENTIFIER = new FeatureId(0x81);
  /** Reservation Notification Mask. */
  public static final FeatureId RESERVATION_NOTIFICATION_MASK = new FeatureId(0x82);
  /** Reservation Persistence. */
  public static final FeatureId RESERVATION_PERSISTENCE = new FeatureId(0x83);
  /** Namespace Write Protection Config. */
  public static final FeatureId NAMESPACE_WRITE_PROTECTION_CONFIG = new FeatureId(0x84);

  private static final Map<Integer, String> NAMES = Codes.names(FeatureId.class, FeatureId::raw);

  /** The constant's name, or the code in hex. */
  public String name() {
    String n = NAMES.get(raw);
    return n != null ? n : Codes.hex("FID", raw);
  }

  @Override
  public String toString() {
    return name();
  }
}
