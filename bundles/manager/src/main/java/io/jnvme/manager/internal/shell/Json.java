package io.jnvme.manager.internal.shell;

import io.jnvme.manager.ManagedController;
import io.jnvme.manager.naming.NameTable;
import io.jnvme.manager.registry.RegistryEntry;
import io.jnvme.manager.registry.RegistrySnapshot;
import java.util.List;
import java.util.Map;

/** The JSON the commands print with {@code -o json}; small enough not to need a library. */
final class Json {
  private Json() {}

  static String subsystems(NameTable names, Map<String, ManagedController> byName,
      RegistrySnapshot registry) {
    StringBuilder b = new StringBuilder("{\"Subsystems\":[");
    String sep = "";
    for (NameTable.SubsystemName s : names.subsystems()) {
      b.append(sep).append("{\"Name\":").append(str(s.name())).append(",\"NQN\":")
          .append(str(s.nqn())).append(",\"Controllers\":[");
      String csep = "";
      for (String c : s.controllers()) {
        ManagedController mc = byName.get(c);
        b.append(csep).append("{\"Name\":").append(str(c));
        if (mc != null) {
          String owner = registry.entry(mc.registryId()).map(RegistryEntry::owner).orElse(null);
          b.append(",\"Transport\":").append(str(mc.transport())).append(",\"Address\":")
              .append(str(mc.address())).append(",\"RegistryId\":").append(mc.registryId())
              .append(",\"Owner\":").append(str(owner));
        }
        b.append('}');
        csep = ",";
      }
      b.append("],\"Namespaces\":[");
      String nsep = "";
      for (NameTable.DiskName d : names.disks()) {
        if (d.subsystem() != s.instance() || d.hidden()) {
          continue;
        }
        b.append(nsep).append("{\"Name\":").append(str(d.name())).append(",\"Generic\":")
            .append(str(d.charDevice())).append(",\"NSID\":")
            .append(Integer.toUnsignedString(d.nsid())).append(",\"Paths\":")
            .append(strings(d.controllers())).append(",\"Aliases\":")
            .append(strings(d.aliases())).append('}');
        nsep = ",";
      }
      b.append("]}");
      sep = ",";
    }
    return b.append("]}").toString();
  }

  static String registry(RegistrySnapshot s) {
    StringBuilder b = new StringBuilder("{\"Entries\":[");
    String sep = "";
    for (RegistryEntry e : s.entries()) {
      b.append(sep).append(entry(e));
      sep = ",";
    }
    b.append("],\"Unreadable\":[");
    sep = "";
    for (RegistrySnapshot.Problem p : s.problems()) {
      b.append(sep).append("{\"Id\":").append(p.id()).append(",\"File\":")
          .append(str(p.file().toString())).append(",\"Reason\":").append(str(p.reason()))
          .append('}');
      sep = ",";
    }
    return b.append("]}").toString();
  }

  static String entry(RegistryEntry e) {
    return "{\"Id\":" + e.id() + ",\"Name\":" + str(e.name()) + ",\"Owner\":" + str(e.owner())
        + ",\"Transport\":" + str(e.transport()) + ",\"Address\":" + str(e.address())
        + ",\"Created\":" + str(e.created().toString()) + "}";
  }

  private static String strings(List<String> values) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      b.append(i == 0 ? "" : ",").append(str(values.get(i)));
    }
    return b.append(']').toString();
  }

  static String str(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
