package io.jnvme.spec;

import java.util.Map;

/**
 * The 15-bit Status Field of a completion (Base spec 2.0, §4.2.3 "Status Field Definition"): Status
 * Code (bits 7:0), Status Code Type (10:8), Command Retry Delay (12:11), More (13) and Do Not Retry
 * (14). An open value type: any value a device returns is representable and prints.
 *
 * @param raw the status field, without the phase bit
 */
public record Status(int raw) {
  public static final Status SUCCESS = generic(0x00);
  public static final Status INVALID_COMMAND_OPCODE = generic(0x01);
  public static final Status INVALID_FIELD = generic(0x02);
  public static final Status COMMAND_ID_CONFLICT = generic(0x03);
  public static final Status DATA_TRANSFER_ERROR = generic(0x04);
  public static final Status ABORTED_POWER_LOSS = generic(0x05);
  public static final Status INTERNAL_ERROR = generic(0x06);
  public static final Status ABORTED_BY_REQUEST = generic(0x07);
  public static final Status ABORTED_SQ_DELETION = generic(0x08);
  public static final Status ABORTED_FAILED_FUSED = generic(0x09);
  public static final Status ABORTED_MISSING_FUSED = generic(0x0A);
  public static final Status INVALID_NAMESPACE_OR_FORMAT = generic(0x0B);
  public static final Status COMMAND_SEQUENCE_ERROR = generic(0x0C);
  public static final Status INVALID_SGL_DESCRIPTOR = generic(0x0D);
  public static final Status INVALID_PRP_OFFSET = generic(0x13);
  public static final Status NAMESPACE_IS_WRITE_PROTECTED = generic(0x20);
  public static final Status LBA_OUT_OF_RANGE = generic(0x80);
  public static final Status CAPACITY_EXCEEDED = generic(0x81);
  public static final Status NAMESPACE_NOT_READY = generic(0x82);
  public static final Status RESERVATION_CONFLICT = generic(0x83);

  public static final Status COMPLETION_QUEUE_INVALID = commandSpecific(0x00);
  public static final Status INVALID_QUEUE_IDENTIFIER = commandSpecific(0x01);
  public static final Status INVALID_QUEUE_SIZE = commandSpecific(0x02);
  public static final Status ABORT_COMMAND_LIMIT_EXCEEDED = commandSpecific(0x03);
  public static final Status ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED = commandSpecific(0x05);
  public static final Status INVALID_FIRMWARE_SLOT = commandSpecific(0x06);
  public static final Status INVALID_INTERRUPT_VECTOR = commandSpecific(0x08);
  public static final Status INVALID_LOG_PAGE = commandSpecific(0x09);
  public static final Status INVALID_FORMAT = commandSpecific(0x0A);
  public static final Status INVALID_QUEUE_DELETION = commandSpecific(0x0C);
  public static final Status FEATURE_ID_NOT_SAVEABLE = commandSpecific(0x0D);
  public static final Status FEATURE_NOT_CHANGEABLE = commandSpecific(0x0E);
  public static final Status NAMESPACE_ALREADY_ATTACHED = commandSpecific(0x18);
  public static final Status NAMESPACE_NOT_ATTACHED = commandSpecific(0x1A);
  /** NVM command set, command specific: Conflicting Attributes (Dataset Management, Read, Write). */
  public static final Status CONFLICTING_ATTRIBUTES = commandSpecific(0x80);

  public static final Status WRITE_FAULT = media(0x80);
  public static final Status UNRECOVERED_READ_ERROR = media(0x81);
  public static final Status ACCESS_DENIED = media(0x86);

  private static final Map<Integer, String> NAMES =
      Codes.names(Status.class, Status::raw);

  /** A Generic Command Status (SCT 0) code. */
  public static Status generic(int sc) {
    return of(StatusCodeType.GENERIC.raw(), sc);
  }

  /** A Command Specific Status (SCT 1) code. */
  public static Status commandSpecific(int sc) {
    return of(StatusCodeType.COMMAND_SPECIFIC.raw(), sc);
  }

  /** A Media and Data Integrity Error (SCT 2) code. */
  public static Status media(int sc) {
    return of(StatusCodeType.MEDIA_ERROR.raw(), sc);
  }

  /** A status from its type and code, with CRD, More and DNR clear. */
  public static Status of(int sct, int sc) {
    return new Status(((sct & 0x7) << 8) | (sc & 0xFF));
  }

  /** Status Code (bits 7:0). */
  public int sc() {
    return raw & 0xFF;
  }

  /** Status Code Type (bits 10:8). */
  public StatusCodeType sct() {
    return new StatusCodeType((raw >>> 8) & 0x7);
  }

  /** Command Retry Delay index (bits 12:11). */
  public int crd() {
    return (raw >>> 11) & 0x3;
  }

  /** More (bit 13): more status information in the Error Information log. */
  public boolean more() {
    return (raw & (1 << 13)) != 0;
  }

  /** Do Not Retry (bit 14). */
  public boolean dnr() {
    return (raw & (1 << 14)) != 0;
  }

  /** This status with DNR set. */
  public Status withDnr() {
    return new Status(raw | (1 << 14));
  }

  /** True for a successful completion (SCT 0, SC 0), whatever CRD/More/DNR say. */
  public boolean isSuccess() {
    return (raw & 0x7FF) == 0;
  }

  /** The status ignoring CRD, More and DNR, for comparing with the constants above. */
  public Status code() {
    return new Status(raw & 0x7FF);
  }

  /** True if this status has the same type and code as {@code other}. */
  public boolean is(Status other) {
    return (raw & 0x7FF) == (other.raw & 0x7FF);
  }

  /** The constant's name, or the type and code in hex for a code this package does not know. */
  public String name() {
    String n = NAMES.get(raw & 0x7FF);
    return n != null ? n : String.format("SCT_%d_SC_0x%02x", (raw >>> 8) & 7, sc());
  }

  @Override
  public String toString() {
    return name() + (dnr() ? "+DNR" : "") + (more() ? "+MORE" : "")
        + String.format("(0x%04x)", raw);
  }
}
