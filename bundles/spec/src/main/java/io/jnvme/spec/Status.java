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
  /**
   * Generic 0Bh: Invalid Namespace or Format. This code exists only as a generic status; the
   * command specific 0Ah of Format NVM is {@link #INVALID_FORMAT}.
   */
  public static final Status INVALID_NAMESPACE_OR_FORMAT = generic(0x0B);
  public static final Status COMMAND_SEQUENCE_ERROR = generic(0x0C);
  public static final Status INVALID_SGL_DESCRIPTOR = generic(0x0D);
  /** Generic 0Eh: Invalid Number of SGL Descriptors. */
  public static final Status INVALID_NUMBER_OF_SGL_DESCRIPTORS = generic(0x0E);
  /** Generic 0Fh: Data SGL Length Invalid. */
  public static final Status DATA_SGL_LENGTH_INVALID = generic(0x0F);
  /** Generic 10h: Metadata SGL Length Invalid. */
  public static final Status METADATA_SGL_LENGTH_INVALID = generic(0x10);
  /** Generic 11h: SGL Descriptor Type Invalid. */
  public static final Status SGL_DESCRIPTOR_TYPE_INVALID = generic(0x11);
  /** Generic 12h: Invalid Use of Controller Memory Buffer. */
  public static final Status INVALID_CMB_USE = generic(0x12);
  public static final Status INVALID_PRP_OFFSET = generic(0x13);
  /** Generic 14h: Atomic Write Unit Exceeded. */
  public static final Status ATOMIC_WRITE_UNIT_EXCEEDED = generic(0x14);
  /** Generic 15h: Operation Denied. */
  public static final Status OPERATION_DENIED = generic(0x15);
  /** Generic 16h: SGL Offset Invalid. */
  public static final Status SGL_OFFSET_INVALID = generic(0x16);
  /** Generic 18h: Host Identifier Inconsistent Format. */
  public static final Status HOST_IDENTIFIER_INCONSISTENT_FORMAT = generic(0x18);
  /** Generic 19h: Keep Alive Timer Expired. */
  public static final Status KEEP_ALIVE_TIMER_EXPIRED = generic(0x19);
  /** Generic 1Ah: Keep Alive Timeout Invalid. */
  public static final Status KEEP_ALIVE_TIMEOUT_INVALID = generic(0x1A);
  /** Generic 1Bh: Command Aborted due to Preempt and Abort. */
  public static final Status ABORTED_PREEMPT_AND_ABORT = generic(0x1B);
  /** Generic 1Ch: Sanitize Failed. */
  public static final Status SANITIZE_FAILED = generic(0x1C);
  /** Generic 1Dh: Sanitize In Progress. */
  public static final Status SANITIZE_IN_PROGRESS = generic(0x1D);
  /** Generic 1Eh: SGL Data Block Granularity Invalid. */
  public static final Status SGL_DATA_BLOCK_GRANULARITY_INVALID = generic(0x1E);
  /** Generic 1Fh: Command Not Supported for Queue in CMB. */
  public static final Status COMMAND_NOT_SUPPORTED_FOR_QUEUE_IN_CMB = generic(0x1F);
  public static final Status NAMESPACE_IS_WRITE_PROTECTED = generic(0x20);
  /** Generic 21h: Command Interrupted (retry later). */
  public static final Status COMMAND_INTERRUPTED = generic(0x21);
  /** Generic 22h: Transient Transport Error. */
  public static final Status TRANSIENT_TRANSPORT_ERROR = generic(0x22);
  /** Generic 23h: Command Prohibited by Command and Feature Lockdown. */
  public static final Status PROHIBITED_BY_LOCKDOWN = generic(0x23);
  /** Generic 24h: Admin Command Media Not Ready. */
  public static final Status ADMIN_COMMAND_MEDIA_NOT_READY = generic(0x24);
  public static final Status LBA_OUT_OF_RANGE = generic(0x80);
  public static final Status CAPACITY_EXCEEDED = generic(0x81);
  /** NVM command set, generic 82h: Namespace Not Ready (retry unless DNR is set). */
  public static final Status NAMESPACE_NOT_READY = generic(0x82);
  public static final Status RESERVATION_CONFLICT = generic(0x83);
  /** NVM command set, generic 84h: Format In Progress. */
  public static final Status FORMAT_IN_PROGRESS = generic(0x84);

  public static final Status COMPLETION_QUEUE_INVALID = commandSpecific(0x00);
  public static final Status INVALID_QUEUE_IDENTIFIER = commandSpecific(0x01);
  public static final Status INVALID_QUEUE_SIZE = commandSpecific(0x02);
  public static final Status ABORT_COMMAND_LIMIT_EXCEEDED = commandSpecific(0x03);
  public static final Status ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED = commandSpecific(0x05);
  public static final Status INVALID_FIRMWARE_SLOT = commandSpecific(0x06);
  /** Command specific 07h: Invalid Firmware Image. */
  public static final Status INVALID_FIRMWARE_IMAGE = commandSpecific(0x07);
  public static final Status INVALID_INTERRUPT_VECTOR = commandSpecific(0x08);
  public static final Status INVALID_LOG_PAGE = commandSpecific(0x09);
  /** Command specific 0Ah: Invalid Format (Format NVM, Namespace Management). */
  public static final Status INVALID_FORMAT = commandSpecific(0x0A);
  /** Command specific 0Bh: Firmware Activation Requires Conventional Reset. */
  public static final Status FIRMWARE_REQUIRES_CONVENTIONAL_RESET = commandSpecific(0x0B);
  public static final Status INVALID_QUEUE_DELETION = commandSpecific(0x0C);
  public static final Status FEATURE_ID_NOT_SAVEABLE = commandSpecific(0x0D);
  public static final Status FEATURE_NOT_CHANGEABLE = commandSpecific(0x0E);
  /** Command specific 0Fh: Feature Not Namespace Specific. */
  public static final Status FEATURE_NOT_NAMESPACE_SPECIFIC = commandSpecific(0x0F);
  /** Command specific 10h: Firmware Activation Requires NVM Subsystem Reset. */
  public static final Status FIRMWARE_REQUIRES_NVM_SUBSYSTEM_RESET = commandSpecific(0x10);
  /** Command specific 11h: Firmware Activation Requires Controller Level Reset. */
  public static final Status FIRMWARE_REQUIRES_CONTROLLER_RESET = commandSpecific(0x11);
  /** Command specific 12h: Firmware Activation Requires Maximum Time Violation. */
  public static final Status FIRMWARE_REQUIRES_MAX_TIME_VIOLATION = commandSpecific(0x12);
  /** Command specific 13h: Firmware Activation Prohibited. */
  public static final Status FIRMWARE_ACTIVATION_PROHIBITED = commandSpecific(0x13);
  /** Command specific 14h: Overlapping Range. */
  public static final Status OVERLAPPING_RANGE = commandSpecific(0x14);
  /** Command specific 15h: Namespace Insufficient Capacity. */
  public static final Status NAMESPACE_INSUFFICIENT_CAPACITY = commandSpecific(0x15);
  /** Command specific 16h: Namespace Identifier Unavailable. */
  public static final Status NAMESPACE_ID_UNAVAILABLE = commandSpecific(0x16);
  public static final Status NAMESPACE_ALREADY_ATTACHED = commandSpecific(0x18);
  /** Command specific 19h: Namespace Is Private. */
  public static final Status NAMESPACE_IS_PRIVATE = commandSpecific(0x19);
  public static final Status NAMESPACE_NOT_ATTACHED = commandSpecific(0x1A);
  /** Command specific 1Bh: Thin Provisioning Not Supported. */
  public static final Status THIN_PROVISIONING_NOT_SUPPORTED = commandSpecific(0x1B);
  /** Command specific 1Ch: Controller List Invalid. */
  public static final Status CONTROLLER_LIST_INVALID = commandSpecific(0x1C);
  /** Command specific 1Dh: Device Self-test In Progress. */
  public static final Status DEVICE_SELF_TEST_IN_PROGRESS = commandSpecific(0x1D);
  /** Command specific 1Eh: Boot Partition Write Prohibited. */
  public static final Status BOOT_PARTITION_WRITE_PROHIBITED = commandSpecific(0x1E);
  /** Command specific 1Fh: Invalid Controller Identifier. */
  public static final Status INVALID_CONTROLLER_IDENTIFIER = commandSpecific(0x1F);
  /** Command specific 26h: Insufficient Capacity. */
  public static final Status INSUFFICIENT_CAPACITY = commandSpecific(0x26);
  /** Command specific 27h: Namespace Attachment Limit Exceeded. */
  public static final Status NAMESPACE_ATTACHMENT_LIMIT_EXCEEDED = commandSpecific(0x27);
  /** Command specific 29h: I/O Command Set Not Supported. */
  public static final Status IO_COMMAND_SET_NOT_SUPPORTED = commandSpecific(0x29);
  /** Command specific 2Ah: I/O Command Set Not Enabled. */
  public static final Status IO_COMMAND_SET_NOT_ENABLED = commandSpecific(0x2A);
  /** Command specific 2Bh: I/O Command Set Combination Rejected. */
  public static final Status IO_COMMAND_SET_COMBINATION_REJECTED = commandSpecific(0x2B);
  /** Command specific 2Ch: Invalid I/O Command Set. */
  public static final Status INVALID_IO_COMMAND_SET = commandSpecific(0x2C);
  /** Command specific 2Dh: Identifier Unavailable. */
  public static final Status IDENTIFIER_UNAVAILABLE = commandSpecific(0x2D);
  /** NVM command set, command specific: Conflicting Attributes (Dataset Management, Read, Write). */
  public static final Status CONFLICTING_ATTRIBUTES = commandSpecific(0x80);
  /** NVM command set, command specific 81h: Invalid Protection Information. */
  public static final Status INVALID_PROTECTION_INFORMATION = commandSpecific(0x81);
  /** NVM command set, command specific 82h: Attempted Write to Read Only Range. */
  public static final Status WRITE_TO_READ_ONLY_RANGE = commandSpecific(0x82);
  /** NVM command set, command specific 83h: Command Size Limit Exceeded. */
  public static final Status COMMAND_SIZE_LIMIT_EXCEEDED = commandSpecific(0x83);

  public static final Status WRITE_FAULT = media(0x80);
  public static final Status UNRECOVERED_READ_ERROR = media(0x81);
  /** Media 82h: End-to-end Guard Check Error. */
  public static final Status END_TO_END_GUARD_CHECK_ERROR = media(0x82);
  /** Media 83h: End-to-end Application Tag Check Error. */
  public static final Status END_TO_END_APPLICATION_TAG_CHECK_ERROR = media(0x83);
  /** Media 84h: End-to-end Reference Tag Check Error. */
  public static final Status END_TO_END_REFERENCE_TAG_CHECK_ERROR = media(0x84);
  /** Media 85h: Compare Failure. */
  public static final Status COMPARE_FAILURE = media(0x85);
  public static final Status ACCESS_DENIED = media(0x86);
  /** Media 87h: Deallocated or Unwritten Logical Block. */
  public static final Status DEALLOCATED_OR_UNWRITTEN_BLOCK = media(0x87);

  /** Path related 00h: Internal Path Error. */
  public static final Status INTERNAL_PATH_ERROR = pathRelated(0x00);
  /** Path related 01h: Asymmetric Access Persistent Loss. */
  public static final Status ASYMMETRIC_ACCESS_PERSISTENT_LOSS = pathRelated(0x01);
  /** Path related 02h: Asymmetric Access Inaccessible. */
  public static final Status ASYMMETRIC_ACCESS_INACCESSIBLE = pathRelated(0x02);
  /** Path related 03h: Asymmetric Access Transition. */
  public static final Status ASYMMETRIC_ACCESS_TRANSITION = pathRelated(0x03);
  /** Path related 60h: Controller Pathing Error. */
  public static final Status CONTROLLER_PATHING_ERROR = pathRelated(0x60);
  /** Path related 70h: Host Pathing Error. */
  public static final Status HOST_PATHING_ERROR = pathRelated(0x70);
  /** Path related 71h: Command Aborted By Host. */
  public static final Status ABORTED_BY_HOST = pathRelated(0x71);

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

  /**
   * A Path Related Status (SCT 3) code.
   *
   * @param sc the status code
   * @return the status, with CRD, More and DNR clear
   */
  public static Status pathRelated(int sc) {
    return of(StatusCodeType.PATH_RELATED.raw(), sc);
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
