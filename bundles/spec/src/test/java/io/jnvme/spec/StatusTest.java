package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Status Field and status code values, against NVMe Base 2.0 §4.2.3 "Status Field Definition"
 * (generic, command specific, media and data integrity, path related tables) and the NVM Command
 * Set 1.0 status values.
 */
class StatusTest {
  /** Every named status with its spec value as (SCT << 8) | SC. */
  private static final Map<String, Integer> EXPECTED = expected();

  private static Map<String, Integer> expected() {
    Map<String, Integer> m = new HashMap<>();
    // Generic Command Status values (SCT 0h).
    m.put("SUCCESS", generic(0x00));
    m.put("INVALID_COMMAND_OPCODE", generic(0x01));
    m.put("INVALID_FIELD", generic(0x02));
    m.put("COMMAND_ID_CONFLICT", generic(0x03));
    m.put("DATA_TRANSFER_ERROR", generic(0x04));
    m.put("ABORTED_POWER_LOSS", generic(0x05));
    m.put("INTERNAL_ERROR", generic(0x06));
    m.put("ABORTED_BY_REQUEST", generic(0x07));
    m.put("ABORTED_SQ_DELETION", generic(0x08));
    m.put("ABORTED_FAILED_FUSED", generic(0x09));
    m.put("ABORTED_MISSING_FUSED", generic(0x0A));
    m.put("INVALID_NAMESPACE_OR_FORMAT", generic(0x0B));
    m.put("COMMAND_SEQUENCE_ERROR", generic(0x0C));
    m.put("INVALID_SGL_DESCRIPTOR", generic(0x0D));
    m.put("INVALID_NUMBER_OF_SGL_DESCRIPTORS", generic(0x0E));
    m.put("DATA_SGL_LENGTH_INVALID", generic(0x0F));
    m.put("METADATA_SGL_LENGTH_INVALID", generic(0x10));
    m.put("SGL_DESCRIPTOR_TYPE_INVALID", generic(0x11));
    m.put("INVALID_CMB_USE", generic(0x12));
    m.put("INVALID_PRP_OFFSET", generic(0x13));
    m.put("ATOMIC_WRITE_UNIT_EXCEEDED", generic(0x14));
    m.put("OPERATION_DENIED", generic(0x15));
    m.put("SGL_OFFSET_INVALID", generic(0x16));
    m.put("HOST_IDENTIFIER_INCONSISTENT_FORMAT", generic(0x18));
    m.put("KEEP_ALIVE_TIMER_EXPIRED", generic(0x19));
    m.put("KEEP_ALIVE_TIMEOUT_INVALID", generic(0x1A));
    m.put("ABORTED_PREEMPT_AND_ABORT", generic(0x1B));
    m.put("SANITIZE_FAILED", generic(0x1C));
    m.put("SANITIZE_IN_PROGRESS", generic(0x1D));
    m.put("SGL_DATA_BLOCK_GRANULARITY_INVALID", generic(0x1E));
    m.put("COMMAND_NOT_SUPPORTED_FOR_QUEUE_IN_CMB", generic(0x1F));
    m.put("NAMESPACE_IS_WRITE_PROTECTED", generic(0x20));
    m.put("COMMAND_INTERRUPTED", generic(0x21));
    m.put("TRANSIENT_TRANSPORT_ERROR", generic(0x22));
    m.put("PROHIBITED_BY_LOCKDOWN", generic(0x23));
    m.put("ADMIN_COMMAND_MEDIA_NOT_READY", generic(0x24));
    // NVM Command Set generic values, 80h and up
    m.put("LBA_OUT_OF_RANGE", generic(0x80));
    m.put("CAPACITY_EXCEEDED", generic(0x81));
    m.put("NAMESPACE_NOT_READY", generic(0x82));
    m.put("RESERVATION_CONFLICT", generic(0x83));
    m.put("FORMAT_IN_PROGRESS", generic(0x84));
    // Command Specific Status values (SCT 1h).
    m.put("COMPLETION_QUEUE_INVALID", commandSpecific(0x00));
    m.put("INVALID_QUEUE_IDENTIFIER", commandSpecific(0x01));
    m.put("INVALID_QUEUE_SIZE", commandSpecific(0x02));
    m.put("ABORT_COMMAND_LIMIT_EXCEEDED", commandSpecific(0x03));
    m.put("ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED", commandSpecific(0x05));
    m.put("INVALID_FIRMWARE_SLOT", commandSpecific(0x06));
    m.put("INVALID_FIRMWARE_IMAGE", commandSpecific(0x07));
    m.put("INVALID_INTERRUPT_VECTOR", commandSpecific(0x08));
    m.put("INVALID_LOG_PAGE", commandSpecific(0x09));
    m.put("INVALID_FORMAT", commandSpecific(0x0A));
    m.put("FIRMWARE_REQUIRES_CONVENTIONAL_RESET", commandSpecific(0x0B));
    m.put("INVALID_QUEUE_DELETION", commandSpecific(0x0C));
    m.put("FEATURE_ID_NOT_SAVEABLE", commandSpecific(0x0D));
    m.put("FEATURE_NOT_CHANGEABLE", commandSpecific(0x0E));
    m.put("FEATURE_NOT_NAMESPACE_SPECIFIC", commandSpecific(0x0F));
    m.put("FIRMWARE_REQUIRES_NVM_SUBSYSTEM_RESET", commandSpecific(0x10));
    m.put("FIRMWARE_REQUIRES_CONTROLLER_RESET", commandSpecific(0x11));
    m.put("FIRMWARE_REQUIRES_MAX_TIME_VIOLATION", commandSpecific(0x12));
    m.put("FIRMWARE_ACTIVATION_PROHIBITED", commandSpecific(0x13));
    m.put("OVERLAPPING_RANGE", commandSpecific(0x14));
    m.put("NAMESPACE_INSUFFICIENT_CAPACITY", commandSpecific(0x15));
    m.put("NAMESPACE_ID_UNAVAILABLE", commandSpecific(0x16));
    m.put("NAMESPACE_ALREADY_ATTACHED", commandSpecific(0x18));
    m.put("NAMESPACE_IS_PRIVATE", commandSpecific(0x19));
    m.put("NAMESPACE_NOT_ATTACHED", commandSpecific(0x1A));
    m.put("THIN_PROVISIONING_NOT_SUPPORTED", commandSpecific(0x1B));
    m.put("CONTROLLER_LIST_INVALID", commandSpecific(0x1C));
    m.put("DEVICE_SELF_TEST_IN_PROGRESS", commandSpecific(0x1D));
    m.put("BOOT_PARTITION_WRITE_PROHIBITED", commandSpecific(0x1E));
    m.put("INVALID_CONTROLLER_IDENTIFIER", commandSpecific(0x1F));
    m.put("INSUFFICIENT_CAPACITY", commandSpecific(0x26));
    m.put("NAMESPACE_ATTACHMENT_LIMIT_EXCEEDED", commandSpecific(0x27));
    m.put("IO_COMMAND_SET_NOT_SUPPORTED", commandSpecific(0x29));
    m.put("IO_COMMAND_SET_NOT_ENABLED", commandSpecific(0x2A));
    m.put("IO_COMMAND_SET_COMBINATION_REJECTED", commandSpecific(0x2B));
    m.put("INVALID_IO_COMMAND_SET", commandSpecific(0x2C));
    m.put("IDENTIFIER_UNAVAILABLE", commandSpecific(0x2D));
    // NVM Command Set command specific values
    m.put("CONFLICTING_ATTRIBUTES", commandSpecific(0x80));
    m.put("INVALID_PROTECTION_INFORMATION", commandSpecific(0x81));
    m.put("WRITE_TO_READ_ONLY_RANGE", commandSpecific(0x82));
    m.put("COMMAND_SIZE_LIMIT_EXCEEDED", commandSpecific(0x83));
    // Media and Data Integrity Error values (SCT 2h), NVM Command Set.
    m.put("WRITE_FAULT", media(0x80));
    m.put("UNRECOVERED_READ_ERROR", media(0x81));
    m.put("END_TO_END_GUARD_CHECK_ERROR", media(0x82));
    m.put("END_TO_END_APPLICATION_TAG_CHECK_ERROR", media(0x83));
    m.put("END_TO_END_REFERENCE_TAG_CHECK_ERROR", media(0x84));
    m.put("COMPARE_FAILURE", media(0x85));
    m.put("ACCESS_DENIED", media(0x86));
    m.put("DEALLOCATED_OR_UNWRITTEN_BLOCK", media(0x87));
    // Path Related Status values (SCT 3h).
    m.put("INTERNAL_PATH_ERROR", pathRelated(0x00));
    m.put("ASYMMETRIC_ACCESS_PERSISTENT_LOSS", pathRelated(0x01));
    m.put("ASYMMETRIC_ACCESS_INACCESSIBLE", pathRelated(0x02));
    m.put("ASYMMETRIC_ACCESS_TRANSITION", pathRelated(0x03));
    m.put("CONTROLLER_PATHING_ERROR", pathRelated(0x60));
    m.put("HOST_PATHING_ERROR", pathRelated(0x70));
    m.put("ABORTED_BY_HOST", pathRelated(0x71));
    return m;
  }

  private static int generic(int sc) {
    return sc;
  }

  private static int commandSpecific(int sc) {
    return 0x100 | sc;
  }

  private static int media(int sc) {
    return 0x200 | sc;
  }

  private static int pathRelated(int sc) {
    return 0x300 | sc;
  }

  @Test
  void fieldBits() {
    // SC 7:0, SCT 10:8, CRD 12:11, M 13, DNR 14 (of the 15-bit field, phase removed).
    Status s = new Status(0x7FFF);
    assertEquals(0xFF, s.sc());
    assertEquals(7, s.sct().raw());
    assertEquals(3, s.crd());
    assertTrue(s.more());
    assertTrue(s.dnr());
    Status crd2 = new Status(2 << 11);
    assertEquals(2, crd2.crd());
    assertFalse(crd2.more());
    assertFalse(crd2.dnr());
    assertTrue(crd2.isSuccess());
    assertTrue(new Status(1 << 13).more());
    assertTrue(new Status(1 << 14).dnr());
  }

  @Test
  void typeAndCodeEncoding() {
    assertEquals(0x0002, Status.generic(0x02).raw());
    assertEquals(0x0102, Status.commandSpecific(0x02).raw());
    assertEquals(0x0281, Status.media(0x81).raw());
    assertEquals(0x0302, Status.pathRelated(0x02).raw());
    assertEquals(0x0705, Status.of(7, 5).raw());
  }

  @Test
  void dnrAndMoreDoNotChangeTheCode() {
    Status s = Status.LBA_OUT_OF_RANGE.withDnr();
    assertEquals(0x4080, s.raw());
    assertTrue(s.is(Status.LBA_OUT_OF_RANGE));
    assertEquals(Status.LBA_OUT_OF_RANGE, s.code());
    assertNotEquals(Status.LBA_OUT_OF_RANGE, s);
    assertFalse(s.isSuccess());
    assertEquals("LBA_OUT_OF_RANGE+DNR(0x4080)", s.toString());
  }

  @Test
  void everyConstantHasItsSpecValue() {
    Layouts.assertConstants(Status.class, Status::raw, EXPECTED);
  }

  @Test
  void invalidNamespaceOrFormatIsGenericNotCommandSpecific() {
    // Generic 0Bh; command specific 0Bh is a firmware activation status, not a namespace one.
    assertEquals(0x000B, Status.INVALID_NAMESPACE_OR_FORMAT.raw());
    assertEquals("FIRMWARE_REQUIRES_CONVENTIONAL_RESET", Status.commandSpecific(0x0B).name());
    assertEquals("INVALID_FORMAT", Status.commandSpecific(0x0A).name());
  }

  @Test
  void namesOfKnownCodes() {
    assertEquals("SUCCESS", new Status(0).name());
    assertEquals("INVALID_FIELD", new Status(0x0002).name());
    assertEquals("INVALID_QUEUE_IDENTIFIER", new Status(0x0101).name());
    assertEquals("UNRECOVERED_READ_ERROR", new Status(0x0281).name());
    assertEquals("ASYMMETRIC_ACCESS_INACCESSIBLE", new Status(0x0302).name());
    // CRD, More and DNR do not change the name.
    assertEquals("NAMESPACE_NOT_READY", new Status(0x7882).name());
  }

  @Test
  void unknownCodesFallBackToHex() {
    assertEquals("SCT_0_SC_0x7f", Status.generic(0x7F).name());
    assertEquals("SCT_1_SC_0x04", Status.commandSpecific(0x04).name()); // reserved
    assertEquals("SCT_7_SC_0xc1", Status.of(7, 0xC1).name());
    assertEquals("SCT_2_SC_0xff+DNR(0x42ff)", Status.media(0xFF).withDnr().toString());
    assertEquals("SCT_0x05", new StatusCodeType(5).name());
  }

  @Test
  void statusCodeTypes() {
    assertEquals(0, StatusCodeType.GENERIC.raw());
    assertEquals(1, StatusCodeType.COMMAND_SPECIFIC.raw());
    assertEquals(2, StatusCodeType.MEDIA_ERROR.raw());
    assertEquals(3, StatusCodeType.PATH_RELATED.raw());
    assertEquals(7, StatusCodeType.VENDOR_SPECIFIC.raw());
    assertEquals("PATH_RELATED", new Status(0x0300).sct().name());
  }

  @Test
  void everyConstantHasAUniqueCode() throws Exception {
    Map<Integer, String> seen = new HashMap<>();
    for (Field f : Status.class.getDeclaredFields()) {
      if (f.getType() == Status.class && Modifier.isStatic(f.getModifiers())) {
        Status s = (Status) f.get(null);
        String before = seen.put(s.raw(), f.getName());
        assertEquals(null, before, f.getName() + " repeats " + before);
        assertEquals(0, s.raw() & ~0x7FF, f.getName() + " must have CRD/More/DNR clear");
        assertEquals(f.getName(), s.name());
      }
    }
  }

}
