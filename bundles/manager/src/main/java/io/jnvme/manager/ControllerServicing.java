package io.jnvme.manager;

/**
 * What one servicing did to one controller.
 *
 * @param name controller name
 * @param keepalive whether it was saved and restored (true) or shut down and started cold
 * @param lastStart how it came back: {@code restored}, {@code cold}, or {@code cold (<why>)}
 * @param pauseMicros from the moment it stopped serving to the moment it served again
 * @param error why it did not come back, or null
 */
public record ControllerServicing(
    String name, boolean keepalive, String lastStart, long pauseMicros, String error) {}
