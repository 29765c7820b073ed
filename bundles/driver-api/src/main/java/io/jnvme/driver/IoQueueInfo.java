package io.jnvme.driver;

/**
 * One I/O queue pair.
 *
 * @param qid queue id
 * @param cpu the CPU slot it was created for
 * @param entries queue entries
 * @param vector interrupt vector
 * @param allocator the DMA allocator behind its rings
 * @param persistent whether its memory survives servicing
 * @param inFlight commands outstanding now
 * @param completed commands completed so far
 */
public record IoQueueInfo(
    int qid, int cpu, int entries, int vector, String allocator, boolean persistent,
    int inFlight, long completed) {}
