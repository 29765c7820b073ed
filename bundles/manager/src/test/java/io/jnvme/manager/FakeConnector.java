package io.jnvme.manager;

import io.jnvme.manager.naming.ControllerIdentity;
import io.jnvme.manager.naming.NamespaceIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Brings up pretend controllers. Options: {@code nqn} (default: a new subsystem per connect),
 * {@code cntlid}, {@code cmic}, {@code namespaces} (count, default 1), {@code fail=true}.
 */
public final class FakeConnector implements ControllerConnector {
  final List<Fake> all = new CopyOnWriteArrayList<>();
  private final AtomicInteger seq = new AtomicInteger();

  final class Fake implements ConnectedController {
    final String name;
    final String address;
    final ControllerIdentity identity;
    final List<NamespaceIdentity> namespaces;
    volatile boolean closed;

    Fake(String name, String address, ControllerIdentity identity, List<NamespaceIdentity> ns) {
      this.name = name;
      this.address = address;
      this.identity = identity;
      this.namespaces = ns;
    }

    @Override
    public String address() {
      return address;
    }

    @Override
    public ControllerIdentity identity() {
      return identity;
    }

    @Override
    public List<NamespaceIdentity> namespaces() {
      return namespaces;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Override
  public ConnectedController connect(String transport, Map<String, String> options, String name)
      throws ConnectFailedException {
    if (Boolean.parseBoolean(options.get("fail"))) {
      throw new ConnectFailedException("pretend bring-up failure",
          ConnectFailedException.Reason.TRANSPORT, null);
    }
    int n = seq.getAndIncrement();
    String nqn = options.getOrDefault("nqn", "nqn.2019-09.io.jnvme:fake:" + n);
    int cntlid = Integer.parseInt(options.getOrDefault("cntlid", Integer.toString(n + 1)));
    int cmic = Integer.parseInt(options.getOrDefault("cmic", "0"));
    List<NamespaceIdentity> ns = new ArrayList<>();
    for (int i = 1; i <= Integer.parseInt(options.getOrDefault("namespaces", "1")); i++) {
      ns.add(NamespaceIdentity.of(i));
    }
    Fake f = new Fake(name, transport + ":" + n, ControllerIdentity.of(nqn, cntlid, cmic),
        List.copyOf(ns));
    all.add(f);
    return f;
  }

  public List<String> open() {
    return all.stream().filter(f -> !f.closed).map(f -> f.name).toList();
  }
}
