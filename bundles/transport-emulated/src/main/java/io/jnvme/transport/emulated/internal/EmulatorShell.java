package io.jnvme.transport.emulated.internal;

import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The {@code emu:} commands, which change an emulated controller's namespaces at run time as an
 * administrator would on a real subsystem: each change posts a namespace-attribute notice.
 */
public final class EmulatorShell {
  /** The command names (without scope). */
  public static final List<String> COMMANDS = List.of("ns-add", "ns-remove", "ns-resize");
  private static final String ADD = "emu:ns-add <controller> <nsid> <size> [<lba-size>]";
  private static final String REMOVE = "emu:ns-remove <controller> <nsid>";
  private static final String RESIZE = "emu:ns-resize <controller> <nsid> <size>";

  private EmulatorShell() {}

  /**
   * Runs one command.
   *
   * @param controllers emulated controllers by name
   * @throws IllegalArgumentException for a usage error or an unknown controller or namespace
   * @throws IOException if a namespace's medium cannot be resized
   */
  public static void execute(String function, List<String> args,
      Map<String, EmulatedController> controllers, PrintStream out) throws IOException {
    switch (function) {
      case "ns-add" -> {
        need(args, 3, 4, ADD);
        EmulatedController c = controller(controllers, args.get(0));
        int nsid = nsid(args.get(1), ADD);
        long size = size(args.get(2), ADD);
        int lba = args.size() > 3 ? (int) size(args.get(3), ADD) : 512;
        c.addNamespace(nsid, EmulatedNamespace.memory(size, lba));
        out.println("emu:ns-add: " + c.name() + "n" + nsid + " added, " + size + " bytes, LBA "
            + lba);
      }
      case "ns-remove" -> {
        need(args, 2, 2, REMOVE);
        EmulatedController c = controller(controllers, args.get(0));
        int nsid = nsid(args.get(1), REMOVE);
        c.removeNamespace(nsid).close();
        out.println("emu:ns-remove: " + c.name() + "n" + nsid + " removed");
      }
      case "ns-resize" -> {
        need(args, 3, 3, RESIZE);
        EmulatedController c = controller(controllers, args.get(0));
        int nsid = nsid(args.get(1), RESIZE);
        long size = size(args.get(2), RESIZE);
        c.resizeNamespace(nsid, size);
        out.println("emu:ns-resize: " + c.name() + "n" + nsid + " now " + size + " bytes");
      }
      default -> throw new IllegalArgumentException("unknown command emu:" + function
          + " (commands: emu:ns-add, emu:ns-remove, emu:ns-resize)");
    }
  }

  private static void need(List<String> args, int min, int max, String usage) {
    if (args.size() < min || args.size() > max) {
      throw new IllegalArgumentException("usage: " + usage);
    }
  }

  private static EmulatedController controller(Map<String, EmulatedController> all, String name) {
    EmulatedController c = all.get(name);
    if (c == null) {
      throw new IllegalArgumentException("no emulated controller '" + name + "' (have: "
          + String.join(", ", all.keySet()) + ")");
    }
    return c;
  }

  private static int nsid(String s, String usage) {
    try {
      int n = Integer.parseInt(s);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("'" + s + "' is not a namespace id; usage: " + usage);
  }

  private static long size(String s, String usage) {
    try {
      return NamespaceSpec.size(s);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + s + "' is not a size (e.g. 4096, 64M, 1G); usage: "
          + usage, e);
    }
  }
}
