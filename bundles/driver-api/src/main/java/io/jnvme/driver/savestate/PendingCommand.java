package io.jnvme.driver.savestate;

/**
 * A command the device had not completed when the state was saved.
 *
 * @param cid its command identifier (slot index in the low bits, generation above)
 * @param opcode its opcode
 * @param nsid its namespace
 * @param timedOut whether it had already been reported to its caller as timed out
 */
public record PendingCommand(int cid, int opcode, int nsid, boolean timedOut) {}
