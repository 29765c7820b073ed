package io.jnvme.manager.internal.osgi;

import io.jnvme.manager.internal.shell.PlatformShell;
import java.util.Arrays;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo commands {@code nvme:status} and {@code nvme:service}.
 *
 * <p>WORKAROUND: like the other command components, a {@code _main} entry gets the function name
 * first (Gogo 1.1 cannot map every name to a method).
 */
@Component(service = PlatformCommands.class, property = {
    "osgi.command.scope=nvme",
    "osgi.command.function=status",
    "osgi.command.function=service"})
public final class PlatformCommands {
  private final PlatformShell shell;

  @Activate
  public PlatformCommands(@Reference PlatformComponent platform) {
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
    shell.execute(argv[0], Arrays.asList(argv).subList(1, argv.length), System.out);
    return null;
  }
}
