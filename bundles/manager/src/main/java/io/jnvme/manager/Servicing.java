package io.jnvme.manager;

import java.nio.file.Path;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Replaces the driver bundle while the controllers stay up. Keepalive controllers are saved to
 * the state directory and restored by the new driver without a reset; the others are shut down
 * and started cold.
 */
@ProviderType
public interface Servicing {
  /**
   * Services now.
   *
   * @param driverJar the new driver bundle, or empty to reload the installed one
   * @throws ServicingException if the driver could not be replaced; controllers that could not
   *     come back are reported in the exception's message and in {@link #last()}
   */
  ServicingReport service(Optional<Path> driverJar) throws ServicingException;

  /** The last servicing, if any. */
  Optional<ServicingReport> last();
}
