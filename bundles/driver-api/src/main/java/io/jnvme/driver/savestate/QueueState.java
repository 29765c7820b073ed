package io.jnvme.driver.savestate;

import java.util.List;

/**
 * One queue pair: where its rings are and where the host had got to in them.
 *
 * @param qid queue id (0 = admin)
 * @param cpu the CPU slot it was created for
 * @param vector its interrupt vector
 * @param entries ring entries (SQ and CQ)
 * @param sqTail the SQ tail the device was last told
 * @param sqHead the SQ head the device last reported
 * @param cqHead the CQ head the host had reached
 * @param phase the phase tag expected at {@code cqHead}
 * @param prpPagesPerSlot PRP list pages of each command slot
 * @param sq the submission ring's block
 * @param cq the completion ring's block
 * @param prp the PRP list pages' block
 * @param generations each slot's generation counter, so identifiers never repeat
 * @param pending commands outstanding at the device
 */
public record QueueState(
    int qid,
    int cpu,
    int vector,
    int entries,
    int sqTail,
    int sqHead,
    int cqHead,
    boolean phase,
    int prpPagesPerSlot,
    BlockRef sq,
    BlockRef cq,
    BlockRef prp,
    int[] generations,
    List<PendingCommand> pending) {}
