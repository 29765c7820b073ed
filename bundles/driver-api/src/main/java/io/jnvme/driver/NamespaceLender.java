package io.jnvme.driver;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Offered by a namespace's owner (the disk layer, for example) so that tools can do I/O through
 * it instead of opening the namespace, which would be a DUPLICATE: the owner stays the only
 * holder of the handle. Registered as an OSGi service with {@value NvmeController#NAME} and
 * {@value #NSID}.
 */
@ProviderType
public interface NamespaceLender {
  /** Service property: the namespace id. */
  String NSID = "namespace.id";

  /** What to do with the lent handle. */
  @FunctionalInterface
  interface Task<T> {
    T run(NamespaceHandle handle) throws NvmeException;
  }

  /**
   * Runs {@code task} with the owner's handle. The handle must not be kept or closed.
   *
   * @throws NvmeException what the task throws, or NamespaceException if the owner has no handle
   */
  <T> T withHandle(Task<T> task) throws NvmeException;
}
