package io.jnvme.transport.emulated.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.internal.EmulatorShell;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Gogo commands {@code emu:ns-add}, {@code emu:ns-remove}, {@code emu:ns-resize}.
 *
 * <p>WORKAROUND: Gogo 1.1 cannot map a dashed function name to a method; it calls {@code _main}
 * with the function name first.
 */
@Component(service = EmulatorCommands.class, property = {
    "osgi.command.scope=emu",
    "osgi.command.function=ns-add",
    "osgi.command.function=ns-remove",
    "osgi.command.function=ns-resize"})
public final class EmulatorCommands {
  private final Map<String, EmulatedController> controllers = new ConcurrentHashMap<>();

  @Activate
  public EmulatorCommands() {}

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      unbind = "unbindController")
  void bindController(EmulatedController c, Map<String, Object> props) {
    controllers.put(name(c, props), c);
  }

  void unbindController(EmulatedController c, Map<String, Object> props) {
    controllers.remove(name(c, props), c);
  }

  private static String name(EmulatedController c, Map<String, Object> props) {
    Object n = props.get(Device.CONTROLLER_NAME);
    return n != null ? n.toString() : c.name();
  }

  /**
   * Gogo's entry point for every {@code emu:} function; prints its result.
   *
   * @throws Exception when the command fails, so that {@code ./jnvme -c} exits non-zero
   */
  public Object _main(String... argv) throws Exception {
    if (argv.length == 0) {
      throw new IllegalArgumentException("no emu command given");
    }
    EmulatorShell.execute(argv[0], Arrays.asList(argv).subList(1, argv.length),
        new TreeMap<>(controllers), System.out);
    return null;
  }
}
