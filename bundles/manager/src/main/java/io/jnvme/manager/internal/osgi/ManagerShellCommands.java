package io.jnvme.manager.internal.osgi;

import io.jnvme.manager.internal.shell.ManagerCommands;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo commands {@code nvme:connect}, {@code nvme:disconnect}, {@code nvme:disconnect-all},
 * {@code nvme:list-subsys} and {@code nvme:registry}.
 *
 * <p>WORKAROUND: Gogo 1.1 cannot map dashed names to methods; {@code _main} gets the function name
 * first.
 */
@Component(service = ManagerShellCommands.class, property = {
    "osgi.command.scope=nvme",
    "osgi.command.function=connect",
    "osgi.command.function=disconnect",
    "osgi.command.function=disconnect-all",
    "osgi.command.function=list-subsys",
    "osgi.command.function=registry"})
public final class ManagerShellCommands {
  private final PlatformComponent platform;

  @Activate
  public ManagerShellCommands(@Reference PlatformComponent platform) {
    this.platform = platform;
  }

  /**
   * Gogo's entry point.
   *
   * @throws Exception when the command fails (its message names why), so that
   *     {@code ./jnvme -c} exits non-zero
   */
  public Object _main(String... argv) throws Exception {
    if (argv.length == 0) {
      throw new IllegalArgumentException("no command given");
    }
    var manager = platform.manager().orElseThrow(
        () -> new IllegalStateException(platform.managerFailure()));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    ManagerCommands commands = new ManagerCommands(manager, terminal(), System.out, errStream);
    String[] args = Arrays.copyOfRange(argv, 1, argv.length);
    int status = switch (argv[0]) {
      case "connect" -> commands.connect(args);
      case "disconnect" -> commands.disconnect(args);
      case "disconnect-all" -> commands.disconnectAll(args);
      case "list-subsys" -> commands.listSubsys(args);
      case "registry" -> commands.registry(args);
      default -> throw new IllegalArgumentException("unknown command nvme:" + argv[0]);
    };
    if (status != ManagerCommands.OK) {
      throw new IllegalStateException("nvme:" + argv[0] + ": "
          + err.toString(StandardCharsets.UTF_8).strip());
    }
    System.err.print(err.toString(StandardCharsets.UTF_8));
    return null;
  }

  /** The JVM's console when a person started it, so that --force can ask for confirmation. */
  private static ManagerCommands.Terminal terminal() {
    Console console = System.console();
    if (console == null) {
      return ManagerCommands.Terminal.none();
    }
    return new ManagerCommands.Terminal() {
      @Override
      public boolean interactive() {
        return true;
      }

      @Override
      public String readLine(String prompt) {
        return console.readLine("%s", prompt);
      }
    };
  }
}
