package io.jnvme.transport.emulated.internal;

import io.jnvme.spec.AsyncEvent;
import io.jnvme.spec.Status;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Asynchronous events (Base spec 2.0, §5.2): the Asynchronous Event Requests the host left with
 * the controller, the events waiting for one, and the masks. Once an event is reported, further
 * events for the same log page are masked until the host reads that page with RAE cleared: the
 * page then tells the host about everything that happened meanwhile. Guarded by the controller
 * lock.
 */
final class AsyncEvents {
  private final int limit;
  private final ArrayDeque<Command> requests = new ArrayDeque<>();
  private final LinkedHashSet<Integer> queued = new LinkedHashSet<>();
  private final Set<Integer> maskedLogPages = new HashSet<>();
  private final Consumer<Command> complete;

  /**
   * @param limit AERL + 1, the requests that may be outstanding
   * @param complete completes a request whose result was set
   */
  AsyncEvents(int limit, Consumer<Command> complete) {
    this.limit = limit;
    this.complete = complete;
  }

  /** Takes a request; false if {@code limit} are already outstanding. */
  boolean request(Command cmd) {
    if (requests.size() >= limit) {
      return false;
    }
    requests.add(cmd);
    deliver();
    return true;
  }

  int outstanding() {
    return requests.size();
  }

  /** An event happened. It waits for a request unless its log page is masked. */
  void raise(AsyncEvent event) {
    if (maskedLogPages.contains(event.logPage())) {
      return;
    }
    queued.add(event.raw());
    deliver();
  }

  /** The host read log page {@code lid} with RAE cleared: events for it are reported again. */
  void logPageRead(int lid) {
    maskedLogPages.remove(lid);
    deliver();
  }

  private void deliver() {
    while (!requests.isEmpty() && !queued.isEmpty()) {
      int raw = queued.iterator().next();
      queued.remove(raw);
      AsyncEvent e = new AsyncEvent(raw);
      maskedLogPages.add(e.logPage());
      Command cmd = requests.poll();
      cmd.result(Status.SUCCESS, raw);
      complete.accept(cmd);
    }
  }

  /**
   * Controller reset: the outstanding requests are gone with the admin queue; events not yet
   * reported stay queued for the next request, and the masks clear.
   *
   * @return the requests that were outstanding
   */
  List<Command> reset() {
    List<Command> dropped = new ArrayList<>(requests);
    requests.clear();
    maskedLogPages.clear();
    return dropped;
  }
}
