package io.jnvme.manager.internal.osgi;

import io.jnvme.manager.internal.shell.PlatformShell;
import java.util.Arrays;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo commands {@code nvme:status}, {@code nvme:service} and {@code nvme:reset}.
 *
 * <p>WORKAROUND: like the other command components, a {@code _main} entry gets the function name
 * first (Gogo 1.1 cannot map every name to a method).
 */
@Component(service = PlatformCommands.class, property = {
    "osgi.command.scope=nvme",
    "osgi.command.function=status",
    "osgi.command.function=service",
    "osgi.command.function=reset"})
public final class PlatformCommands {
  private final PlatformShell shell;
  private final PlatformComponent platform;

  @Activate
  public PlatformCommands(@Reference PlatformComponent platform) {
    this.platform = platform;
    this.shell = new PlatformShell(platform.platform(), platform);
  }

  /**
   * Gogo's entry point; prints the result.
   *
   * @throws Exception when the command fails, so that {@code ./jnvme -c} exits non-zero
   */
  public Object _main(String... argv) throws Exception {
    if (argv.length == 0) {
      throw new IllegalArgumentException("no command given");
    }
    if (argv[0].equals("reset")) {
      if (argv.length != 2) {
        throw new IllegalArgumentException("usage: nvme:reset <nvmeX>");
      }
      String name = argv[1].replaceFirst("^/dev/", "");
      platform.reset(name);
      System.out.println("Reset " + name + ": controller reset and re-initialised");
      return null;
    }
    shell.execute(argv[0], Arrays.asList(argv).subList(1, argv.length), System.out);
    return null;
  }
}
