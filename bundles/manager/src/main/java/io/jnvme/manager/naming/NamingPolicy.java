package io.jnvme.manager.naming;

/**
 * The switches that change how namespaces are named, after the kernel's module parameters.
 *
 * @param multipath native multipath ({@code nvme_core.multipath}): namespaces are named after
 *     their subsystem, and shared namespaces of multi-controller subsystems get one node for all
 *     paths
 * @param multipathAlwaysOn every namespace with a unique NSID gets a multipath node, even in a
 *     single-controller subsystem ({@code nvme_core.multipath_always_on}); implies multipath
 * @since 1.0
 */
public record NamingPolicy(boolean multipath, boolean multipathAlwaysOn) {
  /** The kernel's defaults: multipath on, not always on. */
  public static final NamingPolicy DEFAULT = new NamingPolicy(true, false);
  /** Multipath off: every namespace is named after the controller it was found on. */
  public static final NamingPolicy NO_MULTIPATH = new NamingPolicy(false, false);

  public NamingPolicy {
    multipath = multipath || multipathAlwaysOn;
  }
}
