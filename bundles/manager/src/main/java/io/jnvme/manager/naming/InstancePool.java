package io.jnvme.manager.naming;

import java.util.BitSet;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * An immutable set of allocated instance numbers that hands out the lowest free number at or
 * above a minimum, as the kernel's IDA allocator does.
 *
 * <p>One pool is shared by controllers and subsystems (minimum 0); each subsystem has its own
 * pool of namespace-head numbers (minimum 1).
 *
 * @since 1.0
 */
public final class InstancePool {
  private final int min;
  // Never mutated once the pool is built; every change copies it.
  private final BitSet used;

  private InstancePool(int min, BitSet used) {
    this.min = min;
    this.used = used;
  }

  /** An empty pool whose numbers start at {@code min}. */
  public static InstancePool startingAt(int min) {
    if (min < 0) {
      throw new IllegalArgumentException("min=" + min + " must not be negative");
    }
    return new InstancePool(min, new BitSet());
  }

  /** The smallest number this pool hands out. */
  public int min() {
    return min;
  }

  /** The number {@link #allocateLowest()} would take. */
  public int lowestFree() {
    return used.nextClearBit(min);
  }

  /** Whether {@code n} is allocated. */
  public boolean isAllocated(int n) {
    return n >= 0 && used.get(n);
  }

  /** The pool with the lowest free number allocated; read it first with {@link #lowestFree()}. */
  public InstancePool allocateLowest() {
    return withAllocated(lowestFree());
  }

  /**
   * The pool with {@code n} allocated.
   *
   * @throws IllegalStateException if {@code n} is already allocated
   */
  public InstancePool withAllocated(int n) {
    if (n < min) {
      throw new IllegalArgumentException("instance=" + n + " below min=" + min);
    }
    if (used.get(n)) {
      throw new IllegalStateException("instance=" + n + " already allocated");
    }
    BitSet copy = (BitSet) used.clone();
    copy.set(n);
    return new InstancePool(min, copy);
  }

  /**
   * The pool with {@code n} free again.
   *
   * @throws IllegalStateException if {@code n} is not allocated, which would mean two holders
   *     released one number
   */
  public InstancePool withFreed(int n) {
    if (!isAllocated(n)) {
      throw new IllegalStateException("instance=" + n + " is not allocated");
    }
    BitSet copy = (BitSet) used.clone();
    copy.clear(n);
    return new InstancePool(min, copy);
  }

  /** The allocated numbers, ascending. */
  public SortedSet<Integer> allocated() {
    SortedSet<Integer> out = new TreeSet<>();
    used.stream().forEach(out::add);
    return Collections.unmodifiableSortedSet(out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InstancePool p && p.min == min && p.used.equals(used);
  }

  @Override
  public int hashCode() {
    return 31 * min + used.hashCode();
  }

  @Override
  public String toString() {
    return "InstancePool[min=" + min + " allocated=" + allocated() + "]";
  }
}
