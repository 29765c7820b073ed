package io.jnvme.manager;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Brings up controllers for the manager: the seam between naming and ownership, which the
 * manager owns, and transports and the driver, which it does not.
 *
 * @since 1.0
 */
@ConsumerType
public interface ControllerConnector {
  /**
   * Connects a controller and runs its first Identify.
   *
   * @param name the instance name the controller is given, e.g. {@code nvme2}
   * @throws ConnectFailedException TRANSPORT or INVALID_REQUEST; nothing is left connected
   */
  ConnectedController connect(String transport, Map<String, String> options, String name)
      throws ConnectFailedException;
}
