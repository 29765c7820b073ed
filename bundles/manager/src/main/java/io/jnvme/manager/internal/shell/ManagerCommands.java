package io.jnvme.manager.internal.shell;

import io.jnvme.manager.ConnectFailedException;
import io.jnvme.manager.ConnectRequest;
import io.jnvme.manager.ControllerManager;
import io.jnvme.manager.DisconnectRefusedException;
import io.jnvme.manager.DisconnectSelector;
import io.jnvme.manager.ManagedController;
import io.jnvme.manager.UnknownControllerException;
import io.jnvme.manager.internal.shell.Args.UsageException;
import io.jnvme.manager.naming.NameTable;
import io.jnvme.manager.registry.EntryNotFoundException;
import io.jnvme.manager.registry.OwnershipRegistry;
import io.jnvme.manager.registry.RegistryEntry;
import io.jnvme.manager.registry.RegistryException;
import io.jnvme.manager.registry.RegistrySnapshot;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The manager's shell commands ({@code nvme:connect}, {@code nvme:disconnect},
 * {@code nvme:disconnect-all}, {@code nvme:list-subsys}, {@code nvme:registry}) as plain Java:
 * each takes the raw arguments, writes to the given streams, and returns an exit status (0 done,
 * 1 failed or refused, 2 usage error). Option spellings follow nvme-cli.
 */
public final class ManagerCommands {
  /** Exit status: done. */
  public static final int OK = 0;
  /** Exit status: failed or refused; nothing was half done. */
  public static final int FAILED = 1;
  /** Exit status: the arguments do not fit the command. */
  public static final int USAGE = 2;

  /** Where confirmations come from. */
  public interface Terminal {
    /** Whether a person is at the other end who can be asked. */
    boolean interactive();

    /** Shows {@code prompt} and returns the line typed, or null at end of input. */
    String readLine(String prompt);

    /** No terminal: scripts, where passing a flag is the statement of intent. */
    static Terminal none() {
      return new Terminal() {
        @Override
        public boolean interactive() {
          return false;
        }

        @Override
        public String readLine(String prompt) {
          return null;
        }
      };
    }
  }

  private final ControllerManager manager;
  private final Terminal terminal;
  private final PrintStream out;
  private final PrintStream err;

  public ManagerCommands(ControllerManager manager, Terminal terminal, PrintStream out,
      PrintStream err) {
    this.manager = manager;
    this.terminal = terminal;
    this.out = out;
    this.err = err;
  }

  /**
   * {@code connect -t <transport> [-a <traddr>] [-s <trsvcid>] [-n <nqn>] [--hostnqn <nqn>]
   * [--option key=value]... [--owner NAME]}.
   */
  public int connect(String... args) {
    try {
      Args a = Args.parse(args, Set.of("transport", "traddr", "trsvcid", "nqn", "hostnqn",
          "option", "owner"), Set.of(), Map.of('t', "transport", 'a', "traddr", 's', "trsvcid",
          'n', "nqn"));
      if (!a.positional().isEmpty()) {
        throw new UsageException("unexpected argument " + a.positional().get(0));
      }
      String transport = a.value("transport");
      if (transport == null) {
        throw new UsageException("--transport is required");
      }
      Map<String, String> options = new LinkedHashMap<>();
      for (String n : List.of("traddr", "trsvcid", "nqn", "hostnqn")) {
        if (a.value(n) != null) {
          options.put(n, a.value(n));
        }
      }
      for (String kv : a.values("option")) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new UsageException("--option needs key=value, got " + kv);
        }
        options.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
      String owner = a.value("owner");
      if (owner != null && owner.isBlank()) {
        throw new UsageException("--owner must not be empty");
      }
      ManagedController c = manager.connect(new ConnectRequest(transport, options, owner));
      out.println("device: " + c.name());
      return OK;
    } catch (UsageException e) {
      return usage("connect", e);
    } catch (ConnectFailedException e) {
      err.println("connect failed: " + e.getMessage());
      return FAILED;
    }
  }

  /** {@code disconnect <ctrl>} or {@code disconnect -d <ctrl>}: always does what it is told. */
  public int disconnect(String... args) {
    try {
      Args a = Args.parse(args, Set.of("device"), Set.of(), Map.of('d', "device"));
      List<String> names = new ArrayList<>(a.positional());
      if (a.value("device") != null) {
        names.add(a.value("device"));
      }
      if (names.size() != 1) {
        throw new UsageException("name exactly one controller");
      }
      String name = names.get(0).startsWith("/dev/") ? names.get(0).substring(5) : names.get(0);
      manager.disconnect(name);
      out.println("disconnected " + name);
      return OK;
    } catch (UsageException e) {
      return usage("disconnect", e);
    } catch (UnknownControllerException e) {
      err.println(e.getMessage());
      return FAILED;
    }
  }

  /**
   * {@code disconnect-all [--owner NAME | --force] [-t <transport>] [--yes]}: by default only
   * unowned controllers. {@code --force} asks for a typed {@code yes} on a terminal unless
   * {@code --yes} is given.
   */
  public int disconnectAll(String... args) {
    DisconnectSelector selector;
    Args a;
    try {
      a = Args.parse(args, Set.of("owner", "transport"), Set.of("force", "yes"),
          Map.of('t', "transport", 'y', "yes"));
      if (!a.positional().isEmpty()) {
        throw new UsageException("unexpected argument " + a.positional().get(0));
      }
      selector = DisconnectSelector.of(a.value("owner"), a.flag("force"), a.value("transport"));
    } catch (UsageException e) {
      return usage("disconnect-all", e);
    } catch (DisconnectRefusedException | IllegalArgumentException e) {
      err.println("disconnect-all: " + e.getMessage());
      return USAGE;
    }
    if (selector.mode() == DisconnectSelector.Mode.FORCE && !a.flag("yes")
        && terminal.interactive()) {
      String answer = terminal.readLine("This disconnects every controller, whatever its owner."
          + " Type 'yes' to continue: ");
      if (answer == null || !answer.strip().equals("yes")) {
        err.println("disconnect-all: aborted, nothing disconnected");
        return FAILED;
      }
    }
    try {
      ControllerManager.DisconnectAllResult r = manager.disconnectAll(selector);
      for (String n : r.disconnected()) {
        out.println("disconnected " + n);
      }
      return OK;
    } catch (DisconnectRefusedException e) {
      err.println("disconnect-all refused, nothing disconnected: " + e.getMessage());
      return FAILED;
    }
  }

  /** {@code list-subsys [-o normal|json]}: subsystems, their controllers and namespaces. */
  public int listSubsys(String... args) {
    String format;
    try {
      Args a = Args.parse(args, Set.of("output-format"), Set.of(), Map.of('o', "output-format"));
      format = Optional.ofNullable(a.value("output-format")).orElse("normal");
      if (!format.equals("normal") && !format.equals("json")) {
        throw new UsageException("unknown output format " + format);
      }
    } catch (UsageException e) {
      return usage("list-subsys", e);
    }
    NameTable names = manager.names();
    Map<String, ManagedController> byName = manager.controllers().stream()
        .collect(Collectors.toMap(ManagedController::name, c -> c));
    RegistrySnapshot registry = manager.registry().snapshot();
    if (format.equals("json")) {
      out.println(Json.subsystems(names, byName, registry));
      return OK;
    }
    for (NameTable.SubsystemName s : names.subsystems()) {
      out.println(s.name() + " - NQN=" + s.nqn());
      out.println("\\");
      for (String c : s.controllers()) {
        ManagedController mc = byName.get(c);
        out.println(" +- " + c + (mc == null ? "" : " " + mc.transport() + " " + mc.address()
            + " owner=" + owner(registry, mc)) + " live");
      }
      for (NameTable.DiskName d : names.disks()) {
        if (d.subsystem() == s.instance() && !d.hidden()) {
          out.println(" +- " + d.name() + " nsid=" + Integer.toUnsignedString(d.nsid())
              + " via=" + String.join(",", d.controllers()));
        }
      }
    }
    return OK;
  }

  /**
   * {@code registry list | show <id|name> | set-owner <id|name> <owner|-> | delete <id|name>},
   * the last two with {@code --yes} to skip the question on a terminal.
   */
  public int registry(String... args) {
    Args a;
    try {
      a = Args.parse(args, Set.of("output-format"), Set.of("yes"),
          Map.of('o', "output-format", 'y', "yes"));
    } catch (UsageException e) {
      return usage("registry", e);
    }
    List<String> p = a.positional();
    OwnershipRegistry r = manager.registry();
    try {
      String sub = p.isEmpty() ? "list" : p.get(0);
      switch (sub) {
        case "list" -> {
          return registryList(r, "json".equals(a.value("output-format")));
        }
        case "show" -> {
          RegistryEntry e = resolve(r, argument(p, 1, "show <id|name>"));
          out.println(Json.entry(e));
          return OK;
        }
        case "set-owner" -> {
          RegistryEntry e = resolve(r, argument(p, 1, "set-owner <id|name> <owner|->"));
          String owner = argument(p, 2, "set-owner <id|name> <owner|->");
          String newOwner = owner.equals("-") ? null : owner;
          if (!confirm(a, "Change the owner of " + e.name() + " (id " + e.id() + ") from "
              + text(e.owner()) + " to " + text(newOwner) + "?")) {
            return FAILED;
          }
          r.setOwner(e.id(), newOwner);
          out.println("owner of " + e.name() + " (id " + e.id() + ") is " + text(newOwner));
          return OK;
        }
        case "delete" -> {
          RegistryEntry e = resolve(r, argument(p, 1, "delete <id|name>"));
          if (!confirm(a, "Delete the registry entry of " + e.name() + " (id " + e.id()
              + ", owner " + text(e.owner()) + ")? It then counts as unowned.")) {
            return FAILED;
          }
          r.delete(e.id());
          out.println("deleted entry id " + e.id());
          return OK;
        }
        default -> throw new UsageException("unknown subcommand " + sub);
      }
    } catch (UsageException e) {
      return usage("registry", e);
    } catch (RegistryException e) {
      err.println("registry: " + e.getMessage());
      return FAILED;
    }
  }

  private int registryList(OwnershipRegistry r, boolean json) {
    RegistrySnapshot s = r.snapshot();
    if (!s.listed()) {
      err.println("registry: " + s.toException().getMessage());
      return FAILED;
    }
    if (json) {
      out.println(Json.registry(s));
    } else {
      out.printf("%-6s %-10s %-16s %-10s %-24s %s%n", "ID", "NAME", "OWNER", "TRANSPORT",
          "CREATED", "ADDRESS");
      for (RegistryEntry e : s.entries()) {
        out.printf("%-6d %-10s %-16s %-10s %-24s %s%n", e.id(), e.name(), text(e.owner()),
            e.transport(), e.created(), e.address());
      }
      for (RegistrySnapshot.Problem pr : s.problems()) {
        out.printf("%-6d UNREADABLE %s%n", pr.id(), pr.reason());
      }
    }
    return s.readable() ? OK : FAILED;
  }

  /** An id, or a name that exactly one readable entry carries. */
  private static RegistryEntry resolve(OwnershipRegistry r, String idOrName)
      throws RegistryException, UsageException {
    if (idOrName.chars().allMatch(Character::isDigit)) {
      long id = Long.parseLong(idOrName);
      return r.get(id).orElseThrow(() -> new EntryNotFoundException(id));
    }
    String name = idOrName.startsWith("/dev/") ? idOrName.substring(5) : idOrName;
    RegistrySnapshot s = r.snapshot();
    List<RegistryEntry> found = s.byName(name);
    if (found.size() == 1) {
      return found.get(0);
    }
    if (found.isEmpty()) {
      throw new UsageException("no registry entry named " + name
          + (s.readable() ? "" : " (some entries are unreadable; use the id)"));
    }
    throw new UsageException("several entries are named " + name + ", use an id: "
        + found.stream().map(e -> Long.toString(e.id())).collect(Collectors.joining(", ")));
  }

  private boolean confirm(Args a, String question) {
    if (a.flag("yes") || !terminal.interactive()) {
      return true;
    }
    String answer = terminal.readLine(question + " [y/N] ");
    boolean yes = answer != null && (answer.strip().equalsIgnoreCase("y")
        || answer.strip().equalsIgnoreCase("yes"));
    if (!yes) {
      err.println("aborted, nothing changed");
    }
    return yes;
  }

  private static String argument(List<String> p, int i, String usage) throws UsageException {
    if (p.size() <= i) {
      throw new UsageException("usage: registry " + usage);
    }
    return p.get(i);
  }

  private static String owner(RegistrySnapshot s, ManagedController c) {
    if (s.problem(c.registryId()).isPresent() || !s.listed()) {
      return "?";
    }
    return text(s.entry(c.registryId()).map(RegistryEntry::owner).orElse(null));
  }

  private static String text(String owner) {
    return owner == null ? "-" : owner;
  }

  private int usage(String command, UsageException e) {
    err.println(command + ": " + e.getMessage());
    return USAGE;
  }
}
