package io.jnvme.spec;

import java.nio.ByteBuffer;

/**
 * SMART / Health Information log page, LID 02h, 512 bytes (Base spec 2.0, §5.16.1.3, Figure 207).
 * The counters are 128-bit fields; the accessors here read and write their low 64 bits and a
 * write clears the high 64 bits, which no counter of this project can reach.
 */
public final class SmartHealthLog extends Flyweight {
  public static final int SIZE = 512;
  public static final int CRITICAL_WARNING_OFFSET = 0;
  public static final int COMPOSITE_TEMPERATURE_OFFSET = 1;
  public static final int AVAILABLE_SPARE_OFFSET = 3;
  public static final int AVAILABLE_SPARE_THRESHOLD_OFFSET = 4;
  public static final int PERCENTAGE_USED_OFFSET = 5;
  public static final int ENDURANCE_GROUP_CRITICAL_WARNING_OFFSET = 6;
  public static final int DATA_UNITS_READ_OFFSET = 32;
  public static final int DATA_UNITS_WRITTEN_OFFSET = 48;
  public static final int HOST_READ_COMMANDS_OFFSET = 64;
  public static final int HOST_WRITE_COMMANDS_OFFSET = 80;
  public static final int CONTROLLER_BUSY_TIME_OFFSET = 96;
  public static final int POWER_CYCLES_OFFSET = 112;
  public static final int POWER_ON_HOURS_OFFSET = 128;
  public static final int UNSAFE_SHUTDOWNS_OFFSET = 144;
  public static final int MEDIA_ERRORS_OFFSET = 160;
  public static final int ERROR_LOG_ENTRIES_OFFSET = 176;
  public static final int WARNING_TEMPERATURE_TIME_OFFSET = 192;
  public static final int CRITICAL_TEMPERATURE_TIME_OFFSET = 196;
  public static final int TEMPERATURE_SENSOR_OFFSET = 200;
  /** Number of Temperature Sensor fields (2 bytes each). */
  public static final int TEMPERATURE_SENSORS = 8;

  /** Critical Warning bit 0: available spare below threshold. */
  public static final int WARNING_SPARE = 1;
  /** Critical Warning bit 1: a temperature is above an over threshold or below an under one. */
  public static final int WARNING_TEMPERATURE = 1 << 1;
  /** Critical Warning bit 2: reliability degraded by media or internal errors. */
  public static final int WARNING_RELIABILITY = 1 << 2;
  /** Critical Warning bit 3: media placed in read-only mode. */
  public static final int WARNING_READ_ONLY = 1 << 3;
  /** Critical Warning bit 4: volatile memory backup device failed. */
  public static final int WARNING_VOLATILE_BACKUP = 1 << 4;

  /**
   * Bytes per data unit before the factor of 1000: Data Units Read/Written count thousands of
   * 512-byte units, rounded up.
   */
  public static final long DATA_UNIT_BYTES = 512L * 1000L;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public SmartHealthLog wrap(ByteBuffer buffer, int offset) {
    super.wrap(buffer, offset);
    return this;
  }

  /** Data units for a byte count: thousands of 512-byte units, rounded up. */
  public static long dataUnits(long bytes) {
    return bytes == 0 ? 0 : (bytes - 1) / DATA_UNIT_BYTES + 1;
  }

  public int criticalWarning() {
    return u8(CRITICAL_WARNING_OFFSET);
  }

  public SmartHealthLog criticalWarning(int v) {
    put8(CRITICAL_WARNING_OFFSET, v);
    return this;
  }

  /** Composite Temperature in kelvins. */
  public int compositeTemperature() {
    return u16(COMPOSITE_TEMPERATURE_OFFSET);
  }

  public SmartHealthLog compositeTemperature(int kelvins) {
    put16(COMPOSITE_TEMPERATURE_OFFSET, kelvins);
    return this;
  }

  /** Available Spare, percent. */
  public int availableSpare() {
    return u8(AVAILABLE_SPARE_OFFSET);
  }

  public SmartHealthLog availableSpare(int v) {
    put8(AVAILABLE_SPARE_OFFSET, v);
    return this;
  }

  /** Available Spare Threshold, percent. */
  public int availableSpareThreshold() {
    return u8(AVAILABLE_SPARE_THRESHOLD_OFFSET);
  }

  public SmartHealthLog availableSpareThreshold(int v) {
    put8(AVAILABLE_SPARE_THRESHOLD_OFFSET, v);
    return this;
  }

  /** Percentage Used of the rated life. */
  public int percentageUsed() {
    return u8(PERCENTAGE_USED_OFFSET);
  }

  public SmartHealthLog percentageUsed(int v) {
    put8(PERCENTAGE_USED_OFFSET, v);
    return this;
  }

  /** Data Units Read: thousands of 512-byte units, rounded up (see {@link #dataUnits}). */
  public long dataUnitsRead() {
    return i64(DATA_UNITS_READ_OFFSET);
  }

  public SmartHealthLog dataUnitsRead(long v) {
    return put128(DATA_UNITS_READ_OFFSET, v);
  }

  /** Data Units Written: thousands of 512-byte units, rounded up. */
  public long dataUnitsWritten() {
    return i64(DATA_UNITS_WRITTEN_OFFSET);
  }

  public SmartHealthLog dataUnitsWritten(long v) {
    return put128(DATA_UNITS_WRITTEN_OFFSET, v);
  }

  /** Host Read Commands completed. */
  public long hostReadCommands() {
    return i64(HOST_READ_COMMANDS_OFFSET);
  }

  public SmartHealthLog hostReadCommands(long v) {
    return put128(HOST_READ_COMMANDS_OFFSET, v);
  }

  /** Host Write Commands completed. */
  public long hostWriteCommands() {
    return i64(HOST_WRITE_COMMANDS_OFFSET);
  }

  public SmartHealthLog hostWriteCommands(long v) {
    return put128(HOST_WRITE_COMMANDS_OFFSET, v);
  }

  /** Controller Busy Time, minutes. */
  public long controllerBusyTime() {
    return i64(CONTROLLER_BUSY_TIME_OFFSET);
  }

  public SmartHealthLog controllerBusyTime(long v) {
    return put128(CONTROLLER_BUSY_TIME_OFFSET, v);
  }

  public long powerCycles() {
    return i64(POWER_CYCLES_OFFSET);
  }

  public SmartHealthLog powerCycles(long v) {
    return put128(POWER_CYCLES_OFFSET, v);
  }

  public long powerOnHours() {
    return i64(POWER_ON_HOURS_OFFSET);
  }

  public SmartHealthLog powerOnHours(long v) {
    return put128(POWER_ON_HOURS_OFFSET, v);
  }

  public long unsafeShutdowns() {
    return i64(UNSAFE_SHUTDOWNS_OFFSET);
  }

  public SmartHealthLog unsafeShutdowns(long v) {
    return put128(UNSAFE_SHUTDOWNS_OFFSET, v);
  }

  /** Media and Data Integrity Errors. */
  public long mediaErrors() {
    return i64(MEDIA_ERRORS_OFFSET);
  }

  public SmartHealthLog mediaErrors(long v) {
    return put128(MEDIA_ERRORS_OFFSET, v);
  }

  /** Number of Error Information Log Entries over the life of the controller. */
  public long errorLogEntries() {
    return i64(ERROR_LOG_ENTRIES_OFFSET);
  }

  public SmartHealthLog errorLogEntries(long v) {
    return put128(ERROR_LOG_ENTRIES_OFFSET, v);
  }

  /** Temperature Sensor {@code n} (1..8) in kelvins; 0 if the sensor is not implemented. */
  public int temperatureSensor(int n) {
    return u16(sensorOffset(n));
  }

  public SmartHealthLog temperatureSensor(int n, int kelvins) {
    put16(sensorOffset(n), kelvins);
    return this;
  }

  private static int sensorOffset(int n) {
    if (n < 1 || n > TEMPERATURE_SENSORS) {
      throw new IndexOutOfBoundsException("sensor=" + n);
    }
    return TEMPERATURE_SENSOR_OFFSET + 2 * (n - 1);
  }

  private SmartHealthLog put128(int at, long low) {
    put64(at, low);
    put64(at + 8, 0L);
    return this;
  }
}
