package io.jnvme.manager.internal.shell;

import io.jnvme.driver.ControllerStatus;
import io.jnvme.driver.IoQueueInfo;
import io.jnvme.driver.NvmeController;
import io.jnvme.manager.ControllerServicing;
import io.jnvme.manager.Servicing;
import io.jnvme.manager.ServicingException;
import io.jnvme.manager.ServicingReport;
import io.jnvme.manager.internal.platform.ConfiguredController;
import io.jnvme.manager.internal.platform.Platform;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code nvme:status} and {@code nvme:service}: what the configured controllers are doing (queues,
 * the allocator behind each, fallbacks, keepalive, the last servicing and its pause), and
 * servicing on demand.
 */
public final class PlatformShell {
  private static final String STATUS_USAGE = "nvme:status [-o normal|json]";
  private static final String SERVICE_USAGE = "nvme:service [--driver <jar>] [-o normal|json]";

  private final Platform platform;
  private final Servicing servicing;

  public PlatformShell(Platform platform, Servicing servicing) {
    this.platform = platform;
    this.servicing = servicing;
  }

  /**
   * Runs {@code status} or {@code service}.
   *
   * @throws IllegalArgumentException for a usage error
   * @throws ServicingException if servicing failed
   */
  public void execute(String function, List<String> args, PrintStream out)
      throws ServicingException {
    boolean json = false;
    Optional<Path> jar = Optional.empty();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals("-o") || a.equals("--output-format")) && i + 1 < args.size()) {
        json = format(args.get(++i));
      } else if (a.startsWith("--output-format=")) {
        json = format(a.substring("--output-format=".length()));
      } else if (function.equals("service") && (a.equals("--driver") || a.equals("-d"))
          && i + 1 < args.size()) {
        jar = Optional.of(Path.of(args.get(++i)));
      } else if (function.equals("service") && a.startsWith("--driver=")) {
        jar = Optional.of(Path.of(a.substring("--driver=".length())));
      } else {
        throw new IllegalArgumentException("unexpected argument '" + a + "'; usage: "
            + (function.equals("status") ? STATUS_USAGE : SERVICE_USAGE));
      }
    }
    switch (function) {
      case "status" -> out.println(json ? statusJson() : statusText());
      case "service" -> {
        if (jar.isPresent() && !Files.isRegularFile(jar.get())) {
          throw new IllegalArgumentException("driver jar " + jar.get() + " does not exist");
        }
        ServicingReport r = servicing.service(jar);
        out.println(json ? reportJson(r) : reportText(r));
      }
      default -> throw new IllegalArgumentException("unknown command nvme:" + function);
    }
  }

  private static boolean format(String f) {
    return switch (f) {
      case "json" -> true;
      case "normal" -> false;
      default -> throw new IllegalArgumentException("output format must be normal or json, got '"
          + f + "'");
    };
  }

  String statusText() {
    StringBuilder s = new StringBuilder();
    for (ConfiguredController c : platform.controllers()) {
      NvmeController ctrl = c.controller();
      s.append(c.config().name()).append(": ").append(c.phase());
      if (c.phase() == ConfiguredController.Phase.WAITING) {
        s.append(" (for ").append(c.waitingFor()).append(')');
      }
      if (c.failure() != null) {
        s.append(" (").append(c.failure()).append(')');
      }
      s.append(", transport ").append(c.config().transport()).append(", keepalive ")
          .append(c.config().keepalive() ? "on" : "off");
      if (ctrl != null) {
        ControllerStatus st = ctrl.status();
        s.append(", state ").append(st.state()).append(", last start ").append(st.lastStart())
            .append(", fallback CPUs ").append(st.fallbackCount());
        if (st.draining() > 0) {
          s.append(", draining ").append(st.draining());
        }
        if (st.asyncEventFailure() != null) {
          s.append(", async events failed: ").append(st.asyncEventFailure());
        }
        s.append('\n');
        for (IoQueueInfo q : st.ioQueues()) {
          s.append(String.format("  qid %-3d cpu %-3d entries %-5d vector %-3d allocator %s%s,"
                  + " in flight %d, completed %d%n", q.qid(), q.cpu(), q.entries(), q.vector(),
              q.allocator(), q.persistent() ? " (persistent)" : "", q.inFlight(), q.completed()));
        }
      } else {
        s.append('\n');
      }
      ControllerServicing ls = c.lastServicing();
      if (ls != null) {
        s.append("  last servicing: ").append(ls.lastStart()).append(", pause ")
            .append(ls.pauseMicros()).append(" us")
            .append(ls.lastStart().equals("restored") ? ", no reset" : ", reset").append('\n');
      }
    }
    return s.toString().stripTrailing();
  }

  String statusJson() {
    StringBuilder s = new StringBuilder("{\n  \"Controllers\": [");
    boolean first = true;
    for (ConfiguredController c : platform.controllers()) {
      s.append(first ? "\n" : ",\n").append("    {");
      first = false;
      NvmeController ctrl = c.controller();
      s.append("\"Controller\": ").append(Json.str(c.config().name()))
          .append(", \"Phase\": ").append(Json.str(c.phase().name()))
          .append(", \"Failure\": ").append(Json.str(c.failure()))
          .append(", \"Transport\": ").append(Json.str(c.config().transport()))
          .append(", \"Keepalive\": ").append(c.config().keepalive());
      if (ctrl != null) {
        ControllerStatus st = ctrl.status();
        s.append(", \"State\": ").append(Json.str(st.state().name()))
            .append(", \"LastStart\": ").append(Json.str(st.lastStart()))
            .append(", \"FallbackCount\": ").append(st.fallbackCount())
            .append(", \"Draining\": ").append(st.draining())
            .append(", \"AsyncEventFailure\": ").append(Json.str(st.asyncEventFailure()))
            .append(", \"Queues\": [");
        for (int i = 0; i < st.ioQueues().size(); i++) {
          IoQueueInfo q = st.ioQueues().get(i);
          s.append(i == 0 ? "" : ", ").append("{\"Qid\": ").append(q.qid())
              .append(", \"Cpu\": ").append(q.cpu()).append(", \"Entries\": ").append(q.entries())
              .append(", \"Vector\": ").append(q.vector())
              .append(", \"Allocator\": ").append(Json.str(q.allocator()))
              .append(", \"Persistent\": ").append(q.persistent())
              .append(", \"InFlight\": ").append(q.inFlight())
              .append(", \"Completed\": ").append(q.completed()).append('}');
        }
        s.append(']');
      }
      ControllerServicing ls = c.lastServicing();
      s.append(", \"LastServicing\": ").append(ls == null ? "null" : servicingJson(ls));
      s.append('}');
    }
    s.append("\n  ],\n  \"LastServicing\": ")
        .append(servicing.last().map(PlatformShell::reportJson).orElse("null")).append("\n}");
    return s.toString();
  }

  private static String servicingJson(ControllerServicing ls) {
    return "{\"Controller\": " + Json.str(ls.name()) + ", \"Keepalive\": " + ls.keepalive()
        + ", \"LastStart\": " + Json.str(ls.lastStart()) + ", \"PauseMicros\": "
        + ls.pauseMicros() + ", \"Reset\": " + !"restored".equals(ls.lastStart())
        + ", \"Error\": " + Json.str(ls.error()) + "}";
  }

  static String reportJson(ServicingReport r) {
    StringBuilder s = new StringBuilder("{\"At\": ").append(Json.str(r.at().toString()))
        .append(", \"DriverFrom\": ").append(Json.str(r.driverFrom()))
        .append(", \"DriverTo\": ").append(Json.str(r.driverTo()))
        .append(", \"TotalMillis\": ").append(r.totalMillis())
        .append(", \"Controllers\": [");
    for (int i = 0; i < r.controllers().size(); i++) {
      s.append(i == 0 ? "" : ", ").append(servicingJson(r.controllers().get(i)));
    }
    return s.append("]}").toString();
  }

  static String reportText(ServicingReport r) {
    StringBuilder s = new StringBuilder("servicing: driver ").append(r.driverFrom()).append(" -> ")
        .append(r.driverTo()).append(" in ").append(r.totalMillis()).append(" ms\n");
    for (ControllerServicing c : r.controllers()) {
      s.append("  ").append(c.name()).append(": ").append(c.lastStart()).append(", pause ")
          .append(c.pauseMicros()).append(" us")
          .append(c.keepalive() ? " (keepalive)" : " (reset and re-initialised)").append('\n');
    }
    return s.toString().stripTrailing();
  }
}
