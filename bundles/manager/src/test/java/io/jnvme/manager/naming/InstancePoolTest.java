package io.jnvme.manager.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class InstancePoolTest {
  @Test
  void lowestFreeFirstFromTheMinimum() {
    InstancePool p = InstancePool.startingAt(1);
    assertEquals(1, p.lowestFree());
    p = p.allocateLowest().allocateLowest().allocateLowest();
    assertEquals(new TreeSet<>(Set.of(1, 2, 3)), p.allocated());
    p = p.withFreed(2);
    assertEquals(2, p.lowestFree());
    assertFalse(p.isAllocated(2));
    assertTrue(p.isAllocated(3));
  }

  @Test
  void immutable() {
    InstancePool empty = InstancePool.startingAt(0);
    InstancePool one = empty.allocateLowest();
    assertEquals(0, empty.lowestFree());
    assertEquals(1, one.lowestFree());
    assertEquals(one, empty.withAllocated(0));
  }

  @Test
  void doubleAllocationAndDoubleFreeAreBugs() {
    InstancePool p = InstancePool.startingAt(0).withAllocated(4);
    assertThrows(IllegalStateException.class, () -> p.withAllocated(4));
    assertThrows(IllegalStateException.class, () -> p.withFreed(3));
    assertThrows(IllegalArgumentException.class, () -> InstancePool.startingAt(1).withAllocated(0));
  }
}
