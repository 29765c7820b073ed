package io.jnvme.driver.internal.shell;

import io.jnvme.driver.NvmeController;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@code nvme:*} Gogo commands as a DS component: {@code nvme:list}, {@code nvme:id-ctrl},
 * {@code nvme:id-ns}, {@code nvme:read}, {@code nvme:write}, {@code nvme:flush}. Needs no Gogo API:
 * Gogo finds commands through the {@code osgi.command.*} service properties.
 *
 * <p>WORKAROUND: Gogo 1.1 maps a function name to a public method of the same name (or
 * get/set/is + name), which {@code id-ctrl} can never be. Its fallback is a public method named
 * {@code _main}, called for every function with the function name as first argument. So this class
 * has {@link #_main} and no other public method that Gogo could match ({@code list},
 * {@code read}, ...), except {@link #help()}.
 *
 * <p>Gogo's {@code help} lists only functions that have a method of their name, so it shows
 * {@code nvme:help} (and not the others), which in turn lists the nvme commands.
 */
@Component(
    service = NvmeShellCommands.class,
    property = {
      "osgi.command.scope=nvme",
      "osgi.command.function=list",
      "osgi.command.function=id-ctrl",
      "osgi.command.function=id-ns",
      "osgi.command.function=read",
      "osgi.command.function=write",
      "osgi.command.function=flush",
      "osgi.command.function=ns-rescan",
      "osgi.command.function=smart-log",
      "osgi.command.function=error-log",
      "osgi.command.function=get-feature",
      "osgi.command.function=help"
    })
public final class NvmeShellCommands {
  /** Controllers by instance name; bind of a replacement may come before unbind of the old. */
  private final ConcurrentSkipListMap<String, NvmeController> controllers =
      new ConcurrentSkipListMap<>(NvmeShell.NAME_ORDER);
  /** Namespace owners that lend their handles, by "controller/nsid". */
  private final Map<String, io.jnvme.driver.NamespaceLender> lenders =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final NvmeShell shell = new NvmeShell(this::snapshot,
      (controller, nsid) -> java.util.Optional.ofNullable(lenders.get(controller + "/" + nsid)));

  @Activate
  public NvmeShellCommands() {}

  @Reference(
      name = "controller",
      service = NvmeController.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      unbind = "unbindController")
  void bindController(NvmeController controller, Map<String, Object> properties) {
    controllers.put(nameOf(controller, properties), controller);
  }

  void unbindController(NvmeController controller, Map<String, Object> properties) {
    controllers.remove(nameOf(controller, properties), controller);
  }

  @Reference(
      name = "lender",
      service = io.jnvme.driver.NamespaceLender.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      unbind = "unbindLender")
  void bindLender(io.jnvme.driver.NamespaceLender lender, Map<String, Object> properties) {
    lenders.put(lenderKey(properties), lender);
  }

  void unbindLender(io.jnvme.driver.NamespaceLender lender, Map<String, Object> properties) {
    lenders.remove(lenderKey(properties), lender);
  }

  private static String lenderKey(Map<String, Object> properties) {
    return properties.get(NvmeController.NAME) + "/"
        + properties.get(io.jnvme.driver.NamespaceLender.NSID);
  }

  private static String nameOf(NvmeController controller, Map<String, Object> properties) {
    Object name = properties.get(NvmeController.NAME);
    return name != null ? name.toString() : controller.name();
  }

  private SortedMap<String, NvmeController> snapshot() {
    return Collections.unmodifiableSortedMap(new TreeMap<>(controllers));
  }

  /**
   * {@code nvme:help} without arguments; a method of this name makes Gogo's {@code help} list it.
   *
   * @return nothing; the list is printed
   */
  public Object help() throws Exception {
    return _main("help");
  }

  /**
   * Gogo's entry point for every {@code nvme:} function.
   *
   * <p>Output goes to {@code System.out}, which Gogo's ThreadIO routes to the calling session
   * (the shell's console, or the stream a {@code CommandSession} was created with). Printing,
   * rather than returning a value, keeps the output of every command of a line such as
   * {@code nvme:write ...; nvme:read ...}, where Gogo would keep only the last value, and works
   * where return values are not printed (Karaf over ssh).
   *
   * @param argv the function name (lower case), then the arguments
   * @return nothing, so that the shell prints nothing more
   * @throws Exception when the command fails; the shell shows the message, and
   *     {@code ./jnvme -c} exits non-zero
   */
  public Object _main(String... argv) throws Exception {
    if (argv.length == 0) {
      throw new IllegalArgumentException("no nvme command given");
    }
    shell.execute(argv[0], Arrays.asList(argv).subList(1, argv.length), System.out);
    return null;
  }
}
