package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NumberOfQueuesTest {
  @Test
  void countsAreZeroBasedWithSubmissionQueuesInTheLowHalf() {
    NumberOfQueues q = NumberOfQueues.of(4, 2);
    assertEquals(0x0001_0003, q.raw());
    assertEquals(3, q.nsqZ());
    assertEquals(1, q.ncqZ());
    assertEquals(4, q.submissionQueues());
    assertEquals(2, q.completionQueues());
    NumberOfQueues max = new NumberOfQueues(0xFFFE_FFFE);
    assertEquals(65535, max.submissionQueues());
    assertEquals(65535, max.completionQueues());
  }
}
