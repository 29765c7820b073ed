package io.jnvme.spec;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Opcodes, feature, log page and CNS values, each against its table in NVMe Base 2.0 (Opcodes for
 * Admin Commands; Feature Identifiers, §5.27.1; Log Page Identifiers, §5.16.1; CNS values, §5.17.1)
 * and the NVM Command Set 1.0 (Opcodes for NVM Commands). Names of unknown codes fall back to hex.
 */
class OpenValueTypesTest {

  @Test
  void adminOpcodes() {
    Layouts.assertConstants(AdminOpcode.class, AdminOpcode::raw, Map.ofEntries(
        entry("DELETE_IO_SQ", 0x00),
        entry("CREATE_IO_SQ", 0x01),
        entry("GET_LOG_PAGE", 0x02),
        entry("DELETE_IO_CQ", 0x04),
        entry("CREATE_IO_CQ", 0x05),
        entry("IDENTIFY", 0x06),
        entry("ABORT", 0x08),
        entry("SET_FEATURES", 0x09),
        entry("GET_FEATURES", 0x0A),
        entry("ASYNC_EVENT_REQUEST", 0x0C),
        entry("NAMESPACE_MANAGEMENT", 0x0D),
        entry("FIRMWARE_COMMIT", 0x10),
        entry("FIRMWARE_IMAGE_DOWNLOAD", 0x11),
        entry("DEVICE_SELF_TEST", 0x14),
        entry("NAMESPACE_ATTACHMENT", 0x15),
        entry("KEEP_ALIVE", 0x18),
        entry("DIRECTIVE_SEND", 0x19),
        entry("DIRECTIVE_RECEIVE", 0x1A),
        entry("VIRTUALIZATION_MANAGEMENT", 0x1C),
        entry("NVME_MI_SEND", 0x1D),
        entry("NVME_MI_RECEIVE", 0x1E),
        entry("DOORBELL_BUFFER_CONFIG", 0x7C),
        entry("FORMAT_NVM", 0x80),
        entry("SECURITY_SEND", 0x81),
        entry("SECURITY_RECEIVE", 0x82),
        entry("SANITIZE", 0x84),
        entry("GET_LBA_STATUS", 0x86)));
    assertEquals("IDENTIFY", new AdminOpcode(6).name());
    assertEquals("ADMIN_0xc0", new AdminOpcode(0xC0).name());
    assertEquals("ADMIN_0x03", new AdminOpcode(0x03).toString());
  }

  @Test
  void nvmOpcodes() {
    Layouts.assertConstants(NvmOpcode.class, NvmOpcode::raw, Map.ofEntries(
        entry("FLUSH", 0x00),
        entry("WRITE", 0x01),
        entry("READ", 0x02),
        entry("WRITE_UNCORRECTABLE", 0x04),
        entry("COMPARE", 0x05),
        entry("WRITE_ZEROES", 0x08),
        entry("DATASET_MANAGEMENT", 0x09),
        entry("VERIFY", 0x0C),
        entry("RESERVATION_REGISTER", 0x0D),
        entry("RESERVATION_REPORT", 0x0E),
        entry("RESERVATION_ACQUIRE", 0x11),
        entry("RESERVATION_RELEASE", 0x15),
        entry("COPY", 0x19)));
    // The opcode's low two bits give the data direction: 01b host to controller, 10b back.
    assertEquals(0b01, NvmOpcode.WRITE.raw() & 0x3);
    assertEquals(0b10, NvmOpcode.READ.raw() & 0x3);
    assertEquals("NVM_0x7d", new NvmOpcode(0x7D).name());
  }

  @Test
  void featureIds() {
    Layouts.assertConstants(FeatureId.class, FeatureId::raw, Map.ofEntries(
        entry("ARBITRATION", 0x01),
        entry("POWER_MANAGEMENT", 0x02),
        entry("LBA_RANGE_TYPE", 0x03),
        entry("TEMPERATURE_THRESHOLD", 0x04),
        entry("ERROR_RECOVERY", 0x05),
        entry("VOLATILE_WRITE_CACHE", 0x06),
        entry("NUMBER_OF_QUEUES", 0x07),
        entry("INTERRUPT_COALESCING", 0x08),
        entry("INTERRUPT_VECTOR_CONFIGURATION", 0x09),
        entry("WRITE_ATOMICITY_NORMAL", 0x0A),
        entry("ASYNC_EVENT_CONFIGURATION", 0x0B),
        entry("AUTONOMOUS_POWER_STATE_TRANSITION", 0x0C),
        entry("HOST_MEMORY_BUFFER", 0x0D),
        entry("TIMESTAMP", 0x0E),
        entry("KEEP_ALIVE_TIMER", 0x0F),
        entry("HOST_CONTROLLED_THERMAL_MANAGEMENT", 0x10),
        entry("NON_OPERATIONAL_POWER_STATE_CONFIG", 0x11),
        entry("HOST_BEHAVIOR_SUPPORT", 0x16),
        entry("SANITIZE_CONFIG", 0x17),
        entry("IO_COMMAND_SET_PROFILE", 0x19),
        entry("SOFTWARE_PROGRESS_MARKER", 0x80),
        entry("HOST_IDENTIFIER", 0x81),
        entry("RESERVATION_NOTIFICATION_MASK", 0x82),
        entry("RESERVATION_PERSISTENCE", 0x83),
        entry("NAMESPACE_WRITE_PROTECTION_CONFIG", 0x84)));
    assertEquals("FID_0xc0", new FeatureId(0xC0).name());
  }

  @Test
  void logPageIds() {
    Layouts.assertConstants(LogPageId.class, LogPageId::raw, Map.ofEntries(
        entry("SUPPORTED_LOG_PAGES", 0x00),
        entry("ERROR_INFORMATION", 0x01),
        entry("SMART_HEALTH", 0x02),
        entry("FIRMWARE_SLOT", 0x03),
        entry("CHANGED_NAMESPACE_LIST", 0x04),
        entry("COMMANDS_SUPPORTED_AND_EFFECTS", 0x05),
        entry("DEVICE_SELF_TEST", 0x06),
        entry("TELEMETRY_HOST_INITIATED", 0x07),
        entry("TELEMETRY_CONTROLLER_INITIATED", 0x08),
        entry("ENDURANCE_GROUP_INFORMATION", 0x09),
        entry("ASYMMETRIC_NAMESPACE_ACCESS", 0x0C),
        entry("PERSISTENT_EVENT", 0x0D),
        entry("FEATURE_IDENTIFIERS_SUPPORTED_AND_EFFECTS", 0x12),
        entry("DISCOVERY", 0x70),
        entry("RESERVATION_NOTIFICATION", 0x80),
        entry("SANITIZE_STATUS", 0x81)));
    assertEquals("LID_0xc0", new LogPageId(0xC0).name());
  }

  @Test
  void cnsValues() {
    Layouts.assertConstants(Cns.class, Cns::raw, Map.ofEntries(
        entry("NAMESPACE", 0x00),
        entry("CONTROLLER", 0x01),
        entry("ACTIVE_NAMESPACE_LIST", 0x02),
        entry("NAMESPACE_ID_DESCRIPTORS", 0x03),
        entry("IO_COMMAND_SET_NAMESPACE", 0x05),
        entry("IO_COMMAND_SET_CONTROLLER", 0x06),
        entry("IO_COMMAND_SET_ACTIVE_NAMESPACE_LIST", 0x07),
        entry("IO_COMMAND_SET_INDEPENDENT_NAMESPACE", 0x08),
        entry("ALLOCATED_NAMESPACE_LIST", 0x10),
        entry("ALLOCATED_NAMESPACE", 0x11),
        entry("NAMESPACE_ATTACHED_CONTROLLER_LIST", 0x12),
        entry("CONTROLLER_LIST", 0x13),
        entry("PRIMARY_CONTROLLER_CAPABILITIES", 0x14),
        entry("SECONDARY_CONTROLLER_LIST", 0x15),
        entry("NAMESPACE_GRANULARITY_LIST", 0x16),
        entry("UUID_LIST", 0x17),
        entry("IO_COMMAND_SET", 0x1C)));
    assertEquals("CNS_0x04", new Cns(0x04).name());
  }

  @Test
  void statusCodeTypes() {
    Layouts.assertConstants(StatusCodeType.class, StatusCodeType::raw, Map.of(
        "GENERIC", 0,
        "COMMAND_SPECIFIC", 1,
        "MEDIA_ERROR", 2,
        "PATH_RELATED", 3,
        "VENDOR_SPECIFIC", 7));
    assertEquals("SCT_0x04", new StatusCodeType(4).toString());
  }

  @Test
  void valuesCompareByCode() {
    assertEquals(AdminOpcode.IDENTIFY, new AdminOpcode(0x06));
    assertEquals(FeatureId.NUMBER_OF_QUEUES.hashCode(), new FeatureId(7).hashCode());
  }
}
