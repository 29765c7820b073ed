package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Asynchronous Event Request completion dword 0, against NVMe Base 2.0 §5.2.1 (event type 2:0,
 * event information 15:8, log page identifier 23:16) and its event type and notice tables.
 */
class AsyncEventTest {

  @Test
  void fieldBits() {
    AsyncEvent e = new AsyncEvent(0x0004_0002);
    assertEquals(AsyncEvent.TYPE_NOTICE, e.type());
    assertEquals(AsyncEvent.NOTICE_NAMESPACE_ATTRIBUTE_CHANGED, e.info());
    assertEquals(LogPageId.CHANGED_NAMESPACE_LIST.raw(), e.logPage());
    assertTrue(e.isNamespaceChanged());
  }

  @Test
  void reservedBitsAreIgnored() {
    AsyncEvent e = new AsyncEvent(0xFF00_00F8);
    assertEquals(0, e.type());
    assertEquals(0, e.info());
    assertEquals(0, e.logPage());
  }

  @Test
  void builderRoundTrips() {
    assertEquals(0x0002_0101, AsyncEvent.of(AsyncEvent.TYPE_SMART_HEALTH, 0x01, 0x02).raw());
    AsyncEvent max = AsyncEvent.of(7, 0xFF, 0xFF);
    assertEquals(0x00FF_FF07, max.raw());
    AsyncEvent fw = AsyncEvent.of(AsyncEvent.TYPE_NOTICE,
        AsyncEvent.NOTICE_FIRMWARE_ACTIVATION_STARTING, LogPageId.FIRMWARE_SLOT.raw());
    assertFalse(fw.isNamespaceChanged());
    assertEquals(0x0003_0102, fw.raw());
  }

  @Test
  void typeAndNoticeValues() {
    assertEquals(0, AsyncEvent.TYPE_ERROR);
    assertEquals(1, AsyncEvent.TYPE_SMART_HEALTH);
    assertEquals(2, AsyncEvent.TYPE_NOTICE);
    assertEquals(3, AsyncEvent.TYPE_IMMEDIATE);
    assertEquals(6, AsyncEvent.TYPE_IO_COMMAND_SET);
    assertEquals(7, AsyncEvent.TYPE_VENDOR);
    assertEquals(0x00, AsyncEvent.NOTICE_NAMESPACE_ATTRIBUTE_CHANGED);
    assertEquals(0x01, AsyncEvent.NOTICE_FIRMWARE_ACTIVATION_STARTING);
    assertEquals(0x02, AsyncEvent.NOTICE_TELEMETRY_LOG_CHANGED);
    assertEquals(0x03, AsyncEvent.NOTICE_ANA_CHANGE);
  }

  @Test
  void namespaceChangeNeedsTheNoticeType() {
    // Type 0 (error) with info 0 is "write to invalid doorbell register", not a namespace change.
    assertFalse(AsyncEvent.of(AsyncEvent.TYPE_ERROR, 0, LogPageId.ERROR_INFORMATION.raw())
        .isNamespaceChanged());
  }
}
