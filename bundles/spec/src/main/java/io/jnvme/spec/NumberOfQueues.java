package io.jnvme.spec;

/**
 * The dword of the Number of Queues feature, FID 07h (Base spec 2.0, §5.27.1.7): Set Features
 * CDW11 carries the counts the host asks for, completion dword 0 the counts the controller
 * allocated. Both counts are zero based and exclude the admin queues.
 *
 * @param raw CDW11 of Set Features, or dword 0 of its completion
 */
public record NumberOfQueues(int raw) {
  /** Number of I/O Submission Queues, zero based (bits 15:0): NSQR asked for, NSQA allocated. */
  public int nsqZ() {
    return raw & 0xFFFF;
  }

  /** Number of I/O Completion Queues, zero based (bits 31:16): NCQR asked for, NCQA allocated. */
  public int ncqZ() {
    return raw >>> 16;
  }

  /** I/O submission queues, {@code nsqZ() + 1}. */
  public int submissionQueues() {
    return nsqZ() + 1;
  }

  /** I/O completion queues, {@code ncqZ() + 1}. */
  public int completionQueues() {
    return ncqZ() + 1;
  }

  /** Builds the dword from queue counts (1..65536 each; 65536 is not a valid request). */
  public static NumberOfQueues of(int submissionQueues, int completionQueues) {
    return new NumberOfQueues(((submissionQueues - 1) & 0xFFFF) | ((completionQueues - 1) << 16));
  }

  @Override
  public String toString() {
    return "NumberOfQueues[sq=" + submissionQueues() + " cq=" + completionQueues() + "]";
  }
}
