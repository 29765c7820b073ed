package io.jnvme.manager;

import io.jnvme.manager.naming.ControllerIdentity;
import io.jnvme.manager.naming.NamespaceIdentity;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A controller a {@link ControllerConnector} brought up: what the manager needs to name it, and
 * the way to disconnect it.
 *
 * @since 1.0
 */
@ConsumerType
public interface ConnectedController extends AutoCloseable {
  /** The controller's address on its transport. */
  String address();

  /** What its first Identify Controller said. */
  ControllerIdentity identity();

  /** Its active namespaces at connect time, as Identify reported them. */
  List<NamespaceIdentity> namespaces();

  /** Disconnects: an orderly shutdown. Must not throw for a controller that is already gone. */
  @Override
  void close();
}
