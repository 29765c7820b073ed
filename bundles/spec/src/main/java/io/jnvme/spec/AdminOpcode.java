package io.jnvme.spec;

import java.util.Map;

/**
 * Admin command opcodes (Base spec 2.0, §5, Figure 28). An open value type: unknown codes still print.
 *
 * @param raw the code
 */
public record AdminOpcode(int raw) {
  public static final AdminOpcode DELETE_IO_SQ = new AdminOpcode(0x00);
  public static final AdminOpcode CREATE_IO_SQ = new AdminOpcode(0x01);
  public static final AdminOpcode GET_LOG_PAGE = new AdminOpcode(0x02);
  public static final AdminOpcode DELETE_IO_CQ = new AdminOpcode(0x04);
  public static final AdminOpcode CREATE_IO_CQ = new AdminOpcode(0x05);
  public static final AdminOpcode IDENTIFY = new AdminOpcode(0x06);
  public static final AdminOpcode ABORT = new AdminOpcode(0x08);
  public static final AdminOpcode SET_FEATURES = new AdminOpcode(0x09);
  public static final AdminOpcode GET_FEATURES = new AdminOpcode(0x0A);
  public static final AdminOpcode ASYNC_EVENT_REQUEST = new AdminOpcode(0x0C);
  public static final AdminOpcode NAMESPACE_MANAGEMENT = new AdminOpcode(0x0D);
  public static final AdminOpcode FIRMWARE_COMMIT = new AdminOpcode(0x10);
  public static final AdminOpcode FIRMWARE_IMAGE_DOWNLOAD = new AdminOpcode(0x11);
  public static final AdminOpcode DEVICE_SELF_TEST = new AdminOpcode(0x14);
  public static final AdminOpcode NAMESPACE_ATTACHMENT = new AdminOpcode(0x15);
  public static final AdminOpcode KEEP_ALIVE = new AdminOpcode(0x18);
  /** Directive Send. */
  public static final AdminOpcode DIRECTIVE_SEND = new AdminOpcode(0x19);
  /** Directive Receive. */
  public static final AdminOpcode DIRECTIVE_RECEIVE = new AdminOpcode(0x1A);
  /** Virtualization Management. */
  public static final AdminOpcode VIRTUALIZATION_MANAGEMENT = new AdminOpcode(0x1C);
  /** NVMe-MI Send. */
  public static final AdminOpcode NVME_MI_SEND = new AdminOpcode(0x1D);
  /** NVMe-MI Receive. */
  public static final AdminOpcode NVME_MI_RECEIVE = new AdminOpcode(0x1E);
  public static final AdminOpcode DOORBELL_BUFFER_CONFIG = new AdminOpcode(0x7C);
  public static final AdminOpcode FORMAT_NVM = new AdminOpcode(0x80);
  /** Security Send. */
  public static final AdminOpcode SECURITY_SEND = new AdminOpcode(0x81);
  /** Security Receive. */
  public static final AdminOpcode SECURITY_RECEIVE = new AdminOpcode(0x82);
  public static final AdminOpcode SANITIZE = new AdminOpcode(0x84);
  /** Get LBA Status. */
  public static final AdminOpcode GET_LBA_STATUS = new AdminOpcode(0x86);

  private static final Map<Integer, String> NAMES = Codes.names(AdminOpcode.class, AdminOpcode::raw);

  /** The constant's name, or the code in hex. */
  public String name() {
    String n = NAMES.get(raw);
    return n != null ? n : Codes.hex("ADMIN", raw);
  }

  @Override
  public String toString() {
    return name();
  }
}
