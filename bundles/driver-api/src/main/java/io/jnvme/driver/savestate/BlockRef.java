package io.jnvme.driver.savestate;

/**
 * Identifies a persistent memory block to re-attach after servicing.
 *
 * @param tag the tag it was allocated with
 * @param size its size in bytes
 * @param deviceAddress the device address of its first page
 */
public record BlockRef(String tag, long size, long deviceAddress) {}
