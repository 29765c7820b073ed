package io.jnvme.driver.savestate;

import io.jnvme.driver.IoCompletion;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Servicing inside one JVM: the commands a released driver still had outstanding, handed to the
 * driver that restores the same device, so that their callers are completed by the new driver
 * instead of being failed. Lives in the API bundle because the driver bundle itself is replaced.
 * After a JVM restart there is nothing to hand over; the callers are gone.
 */
public final class InFlightHandover {
  private static final Map<String, Map<Long, IoCompletion>> PENDING = new ConcurrentHashMap<>();

  /**
   * Data buffers of released drivers, re-attached by the driver that restored their device: the
   * old driver's user still holds (an old object of) each; when it closes that, the block here is
   * the one that really frees the memory. Keyed by device id and device address.
   */
  private static final Map<String, io.jnvme.device.MemoryBlock> ADOPTED =
      new ConcurrentHashMap<>();

  private InFlightHandover() {}

  /** Parks re-attached data buffers of a released driver until their users close them. */
  public static void adoptBuffers(String deviceId, java.util.List<io.jnvme.device.MemoryBlock> b) {
    for (io.jnvme.device.MemoryBlock m : b) {
      ADOPTED.put(deviceId + "@" + m.deviceAddress(0), m);
    }
  }

  /** A user closed a data buffer: frees the re-attached block that holds its memory, if any. */
  public static void bufferClosed(String deviceId, long deviceAddress) {
    io.jnvme.device.MemoryBlock m = ADOPTED.remove(deviceId + "@" + deviceAddress);
    if (m != null) {
      m.close();
    }
  }

  /** Key of one command: queue id and command id. */
  public static long key(int qid, int cid) {
    return ((long) qid << 16) | (cid & 0xFFFF);
  }

  /** Offers the callers waiting on {@code deviceId}'s outstanding commands. */
  public static void offer(String deviceId, Map<Long, IoCompletion> callers) {
    PENDING.put(deviceId, Map.copyOf(callers));
  }

  /** Takes what was offered for {@code deviceId}, or an empty map. */
  public static Map<Long, IoCompletion> take(String deviceId) {
    Map<Long, IoCompletion> m = PENDING.remove(deviceId);
    return m != null ? m : Map.of();
  }

  /**
   * Takes what was offered for {@code deviceId}, or null if its driver was not released in this
   * JVM (a JVM restart): then nobody here still holds that driver's buffers.
   */
  public static Map<Long, IoCompletion> takeIfReleasedHere(String deviceId) {
    return PENDING.remove(deviceId);
  }
}
