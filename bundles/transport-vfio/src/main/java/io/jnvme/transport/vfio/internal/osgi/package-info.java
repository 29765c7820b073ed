/** The DS component that registers a configured VFIO device as a {@code Device} service. */
package io.jnvme.transport.vfio.internal.osgi;
