package io.jnvme.spec;

/**
 * Completion dword 0 of an Asynchronous Event Request (Base spec 2.0, §5.2.1, Figure 146).
 *
 * @param raw completion dword 0
 */
public record AsyncEvent(int raw) {
  /** Asynchronous Event Type: Error status. */
  public static final int TYPE_ERROR = 0;
  /** Asynchronous Event Type: SMART / Health status. */
  public static final int TYPE_SMART_HEALTH = 1;
  /** Asynchronous Event Type: Notice. */
  public static final int TYPE_NOTICE = 2;
  /** Asynchronous Event Type: Immediate. */
  public static final int TYPE_IMMEDIATE = 3;
  /** Asynchronous Event Type: I/O command set specific status. */
  public static final int TYPE_IO_COMMAND_SET = 6;
  /** Asynchronous Event Type: Vendor specific. */
  public static final int TYPE_VENDOR = 7;
  /** Notice information: Namespace Attribute Changed. */
  public static final int NOTICE_NAMESPACE_ATTRIBUTE_CHANGED = 0x00;
  /** Notice information: Firmware Activation Starting. */
  public static final int NOTICE_FIRMWARE_ACTIVATION_STARTING = 0x01;
  /** Notice information: Telemetry Log Changed. */
  public static final int NOTICE_TELEMETRY_LOG_CHANGED = 0x02;
  /** Notice information: Asymmetric Namespace Access Change. */
  public static final int NOTICE_ANA_CHANGE = 0x03;

  /** Asynchronous Event Type (bits 2:0). */
  public int type() {
    return raw & 0x7;
  }

  /** Asynchronous Event Information (bits 15:8). */
  public int info() {
    return (raw >>> 8) & 0xFF;
  }

  /** Log Page Identifier to read to clear the event (bits 23:16). */
  public int logPage() {
    return (raw >>> 16) & 0xFF;
  }

  /** True for the namespace attribute changed notice. */
  public boolean isNamespaceChanged() {
    return type() == TYPE_NOTICE && info() == NOTICE_NAMESPACE_ATTRIBUTE_CHANGED;
  }

  /** Builds an event dword. */
  public static AsyncEvent of(int type, int info, int logPage) {
    return new AsyncEvent((type & 0x7) | ((info & 0xFF) << 8) | ((logPage & 0xFF) << 16));
  }

  @Override
  public String toString() {
    return String.format("AsyncEvent[type=%d info=0x%02x lid=0x%02x]", type(), info(), logPage());
  }
}
