package io.jnvme.transport.emulated.internal;

import io.jnvme.spec.Sqe;
import io.jnvme.spec.Status;
import io.jnvme.transport.emulated.CommandMatch;
import io.jnvme.transport.emulated.FaultAction;
import io.jnvme.transport.emulated.FaultInjector;
import io.jnvme.transport.emulated.FaultRule;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The fault injector of one controller. Switch changes are reported to the engine. */
final class FaultState implements FaultInjector {
  private static final Logger LOG = LoggerFactory.getLogger(FaultState.class);

  /** What the engine must re-evaluate when a switch flips. */
  interface Listener {
    void faultsChanged();
  }

  private final String controller;
  private final Duration defaultReadyDelay;
  private final CopyOnWriteArrayList<Rule> rules = new CopyOnWriteArrayList<>();
  private volatile Listener listener = () -> {};
  private volatile boolean fatal;
  private volatile boolean allOnes;
  private volatile boolean neverReady;
  private volatile boolean failDma;
  private volatile Status queueCreationFailure;
  private volatile Duration readyDelay;

  FaultState(String controller, Duration readyDelay) {
    this.controller = controller;
    this.defaultReadyDelay = readyDelay;
    this.readyDelay = readyDelay;
  }

  void listener(Listener l) {
    this.listener = l;
  }

  /** The action of the first active rule that takes the command, or null. */
  FaultAction match(int qid, Sqe sqe) {
    if (rules.isEmpty()) {
      return null;
    }
    for (Rule r : rules) {
      if (r.tryFire(qid, sqe)) {
        LOG.debug("controller={} qid={} cid={} fault={} rule={}", controller, qid, sqe.cid(),
            r.action, r.match);
        return r.action;
      }
    }
    return null;
  }

  @Override
  public FaultRule add(CommandMatch match, FaultAction action) {
    Rule r = new Rule(Objects.requireNonNull(match, "match"), Objects.requireNonNull(action, "action"));
    rules.add(r);
    LOG.debug("controller={} fault rule added: {} -> {}", controller, match, action);
    return r;
  }

  @Override
  public List<FaultRule> rules() {
    return List.copyOf(rules);
  }

  @Override
  public void clear() {
    for (Rule r : rules) {
      r.removed = true;
    }
    rules.clear();
    fatal = false;
    allOnes = false;
    neverReady = false;
    failDma = false;
    queueCreationFailure = null;
    readyDelay = defaultReadyDelay;
    changed();
  }

  private void changed() {
    listener.faultsChanged();
  }

  @Override
  public void setFatalStatus(boolean on) {
    fatal = on;
    LOG.debug("controller={} fault fatalStatus={}", controller, on);
    changed();
  }

  @Override
  public boolean fatalStatus() {
    return fatal;
  }

  @Override
  public void registersAllOnes(boolean on) {
    allOnes = on;
    LOG.debug("controller={} fault registersAllOnes={}", controller, on);
    changed();
  }

  @Override
  public boolean registersAllOnes() {
    return allOnes;
  }

  @Override
  public void neverReady(boolean on) {
    neverReady = on;
    changed();
  }

  @Override
  public boolean neverReady() {
    return neverReady;
  }

  @Override
  public void readyDelay(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("readyDelay=" + delay + ": negative");
    }
    readyDelay = delay;
  }

  Duration readyDelay() {
    return readyDelay;
  }

  @Override
  public void failIoQueueCreation(boolean on) {
    failIoQueueCreation(on ? Status.INVALID_QUEUE_IDENTIFIER.withDnr() : null);
  }

  @Override
  public void failIoQueueCreation(Status status) {
    queueCreationFailure = status;
  }

  @Override
  public Optional<Status> ioQueueCreationFailure() {
    return Optional.ofNullable(queueCreationFailure);
  }

  @Override
  public void failDmaMapping(boolean on) {
    failDma = on;
  }

  @Override
  public boolean failDmaMapping() {
    return failDma;
  }

  private final class Rule implements FaultRule {
    final CommandMatch match;
    final FaultAction action;
    private long seen;
    private long fired;
    volatile boolean removed;

    Rule(CommandMatch match, FaultAction action) {
      this.match = match;
      this.action = action;
    }

    boolean tryFire(int qid, Sqe sqe) {
      if (removed || !match.test(qid, sqe)) {
        return false;
      }
      synchronized (this) {
        if (seen < match.skipCount()) {
          seen++;
          return false;
        }
        if (fired >= match.countLimit()) {
          return false;
        }
        fired++;
        return true;
      }
    }

    @Override
    public CommandMatch match() {
      return match;
    }

    @Override
    public FaultAction action() {
      return action;
    }

    @Override
    public synchronized long matches() {
      return fired;
    }

    @Override
    public synchronized boolean active() {
      return !removed && fired < match.countLimit();
    }

    @Override
    public void remove() {
      removed = true;
      rules.remove(this);
    }

    @Override
    public String toString() {
      return "FaultRule[" + match + " -> " + action + " fired=" + matches()
          + (removed ? " removed" : "") + "]";
    }
  }
}
