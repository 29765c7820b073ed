package io.jnvme.transport.emulated.internal;

import io.jnvme.spec.Sqe;
import io.jnvme.transport.emulated.CommandLog;
import io.jnvme.transport.emulated.CommandLogEntry;
import io.jnvme.transport.emulated.FaultAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** The command log: a ring of entries under this object's monitor. */
final class CommandLogImpl implements CommandLog {
  private final LogEntry[] ring;
  private int start;
  private int size;
  private long total;
  /** Threads in {@link #await}; changes notify only when someone waits. */
  private final AtomicInteger waiters = new AtomicInteger();

  CommandLogImpl(int capacity) {
    ring = new LogEntry[capacity];
  }

  /** Records a fetched command; null if logging is off. */
  LogEntry record(int qid, Sqe sqe, FaultAction fault) {
    if (ring.length == 0) {
      return null;
    }
    synchronized (this) {
      LogEntry e = new LogEntry(this, total++, qid, sqe, fault);
      if (size < ring.length) {
        ring[(start + size++) % ring.length] = e;
      } else {
        ring[start] = e;
        start = (start + 1) % ring.length;
      }
      if (waiters.get() > 0) {
        notifyAll();
      }
      return e;
    }
  }

  /** An entry finished; wake waiters, if any. */
  void changed() {
    if (waiters.get() > 0) {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  @Override
  public synchronized List<CommandLogEntry> entries() {
    List<CommandLogEntry> l = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      l.add(ring[(start + i) % ring.length]);
    }
    return l;
  }

  @Override
  public List<CommandLogEntry> entries(Predicate<? super CommandLogEntry> filter) {
    return entries().stream().filter(filter).map(e -> (CommandLogEntry) e).toList();
  }

  @Override
  public long count(Predicate<? super CommandLogEntry> filter) {
    return entries().stream().filter(filter).count();
  }

  @Override
  public Optional<CommandLogEntry> last(Predicate<? super CommandLogEntry> filter) {
    List<CommandLogEntry> l = entries();
    for (int i = l.size() - 1; i >= 0; i--) {
      if (filter.test(l.get(i))) {
        return Optional.of(l.get(i));
      }
    }
    return Optional.empty();
  }

  @Override
  public Optional<CommandLogEntry> await(Predicate<? super CommandLogEntry> filter, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      waiters.incrementAndGet();
      try {
        while (true) {
          for (int i = 0; i < size; i++) {
            LogEntry e = ring[(start + i) % ring.length];
            if (filter.test(e)) {
              return Optional.of(e);
            }
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return Optional.empty();
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      } finally {
        waiters.decrementAndGet();
      }
    }
  }

  @Override
  public synchronized void clear() {
    for (int i = 0; i < ring.length; i++) {
      ring[i] = null;
    }
    start = 0;
    size = 0;
  }

  @Override
  public synchronized int size() {
    return size;
  }

  @Override
  public int capacity() {
    return ring.length;
  }

  @Override
  public synchronized long totalRecorded() {
    return total;
  }
}
