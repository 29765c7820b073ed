package io.jnvme.transport.qemu.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.transport.qemu.QemuMachine;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Gogo commands {@code qemu:ns-attach}, {@code qemu:ns-detach} and {@code qemu:info}: namespace
 * attachment through the subsystem's management controller, as an administrator does, so that
 * the driver gets a namespace attribute notice.
 *
 * <p>WORKAROUND: Gogo 1.1 cannot map a dashed function name to a method; it calls {@code _main}
 * with the function name first.
 */
@Component(service = QemuCommands.class, property = {
    "osgi.command.scope=qemu",
    "osgi.command.function=ns-attach",
    "osgi.command.function=ns-detach",
    "osgi.command.function=info"})
public final class QemuCommands {
  private static final String ATTACH = "qemu:ns-attach <controller> <nsid>";
  private static final String DETACH = "qemu:ns-detach <controller> <nsid>";
  private static final String INFO = "qemu:info <controller>";
  private final Map<String, QemuMachine> machines = new ConcurrentHashMap<>();

  @Activate
  public QemuCommands() {}

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      unbind = "unbindMachine")
  void bindMachine(QemuMachine m, Map<String, Object> props) {
    machines.put(String.valueOf(props.get(Device.CONTROLLER_NAME)), m);
  }

  void unbindMachine(QemuMachine m, Map<String, Object> props) {
    machines.remove(String.valueOf(props.get(Device.CONTROLLER_NAME)), m);
  }

  /**
   * Gogo's entry point for every {@code qemu:} function; prints its result.
   *
   * @throws Exception when the command fails, so that {@code ./jnvme -c} exits non-zero
   */
  public Object _main(String... argv) throws Exception {
    if (argv.length == 0) {
      throw new IllegalArgumentException("no qemu command given");
    }
    String f = argv[0];
    switch (f) {
      case "ns-attach", "ns-detach" -> {
        String usage = f.equals("ns-attach") ? ATTACH : DETACH;
        if (argv.length != 3) {
          throw new IllegalArgumentException("usage: " + usage);
        }
        QemuMachine m = machine(argv[1]);
        int nsid;
        try {
          nsid = Integer.parseInt(argv[2]);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("'" + argv[2] + "' is not a namespace id; usage: "
              + usage, e);
        }
        if (f.equals("ns-attach")) {
          m.attachNamespace(nsid);
          System.out.println("qemu:ns-attach: " + argv[1] + "n" + nsid + " attached");
        } else {
          m.detachNamespace(nsid);
          System.out.println("qemu:ns-detach: " + argv[1] + "n" + nsid + " detached");
        }
      }
      case "info" -> {
        if (argv.length != 2) {
          throw new IllegalArgumentException("usage: " + INFO);
        }
        QemuMachine m = machine(argv[1]);
        System.out.println("controller: " + argv[1]);
        System.out.println("instance:   " + m.name() + " (QEMU pid " + m.qemuPid() + ")");
        System.out.println("device:     " + m.device().id());
        System.out.println("run:        " + m.runDirectory());
        System.out.printf("CC:         0x%08x%n", m.cc());
        System.out.printf("CSTS:       0x%08x%n", m.csts());
        System.out.println("resets:     " + m.resetCount());
        System.out.println("subsystem:  " + m.hasSubsystem());
      }
      default -> throw new IllegalArgumentException("unknown command qemu:" + f
          + " (commands: qemu:ns-attach, qemu:ns-detach, qemu:info)");
    }
    return null;
  }

  private QemuMachine machine(String name) {
    QemuMachine m = machines.get(name);
    if (m == null) {
      throw new IllegalArgumentException("no QEMU controller '" + name + "' (have: "
          + String.join(", ", new TreeMap<>(machines).keySet()) + ")");
    }
    return m;
  }
}
