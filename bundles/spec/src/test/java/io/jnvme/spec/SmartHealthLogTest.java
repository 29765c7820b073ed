package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class SmartHealthLogTest {
  @Test
  void offsetsFollowFigure207() {
    assertEquals(512, SmartHealthLog.SIZE);
    assertEquals(0, SmartHealthLog.CRITICAL_WARNING_OFFSET);
    assertEquals(1, SmartHealthLog.COMPOSITE_TEMPERATURE_OFFSET);
    assertEquals(3, SmartHealthLog.AVAILABLE_SPARE_OFFSET);
    assertEquals(4, SmartHealthLog.AVAILABLE_SPARE_THRESHOLD_OFFSET);
    assertEquals(5, SmartHealthLog.PERCENTAGE_USED_OFFSET);
    assertEquals(6, SmartHealthLog.ENDURANCE_GROUP_CRITICAL_WARNING_OFFSET);
    assertEquals(32, SmartHealthLog.DATA_UNITS_READ_OFFSET);
    assertEquals(48, SmartHealthLog.DATA_UNITS_WRITTEN_OFFSET);
    assertEquals(64, SmartHealthLog.HOST_READ_COMMANDS_OFFSET);
    assertEquals(80, SmartHealthLog.HOST_WRITE_COMMANDS_OFFSET);
    assertEquals(96, SmartHealthLog.CONTROLLER_BUSY_TIME_OFFSET);
    assertEquals(112, SmartHealthLog.POWER_CYCLES_OFFSET);
    assertEquals(128, SmartHealthLog.POWER_ON_HOURS_OFFSET);
    assertEquals(144, SmartHealthLog.UNSAFE_SHUTDOWNS_OFFSET);
    assertEquals(160, SmartHealthLog.MEDIA_ERRORS_OFFSET);
    assertEquals(176, SmartHealthLog.ERROR_LOG_ENTRIES_OFFSET);
    assertEquals(192, SmartHealthLog.WARNING_TEMPERATURE_TIME_OFFSET);
    assertEquals(196, SmartHealthLog.CRITICAL_TEMPERATURE_TIME_OFFSET);
    assertEquals(200, SmartHealthLog.TEMPERATURE_SENSOR_OFFSET);
  }

  @Test
  void countersAre128BitLittleEndianAndTemperatureIsAWord() {
    ByteBuffer b = ByteBuffer.allocate(SmartHealthLog.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < b.capacity(); i++) {
      b.put(i, (byte) 0xAA);
    }
    SmartHealthLog s = new SmartHealthLog().wrap(b, 0);
    s.dataUnitsRead(0x0102).compositeTemperature(313).temperatureSensor(8, 300);
    assertEquals(0x02, b.get(32));
    assertEquals(0x01, b.get(33));
    for (int i = 34; i < 48; i++) {
      assertEquals(0, b.get(i), "byte " + i);
    }
    assertEquals(313, s.compositeTemperature());
    assertEquals(300, b.getShort(214) & 0xFFFF);
  }

  @Test
  void dataUnitsAreThousandsOf512ByteUnitsRoundedUp() {
    assertEquals(0, SmartHealthLog.dataUnits(0));
    assertEquals(1, SmartHealthLog.dataUnits(1));
    assertEquals(1, SmartHealthLog.dataUnits(512_000));
    assertEquals(2, SmartHealthLog.dataUnits(512_001));
  }
}
