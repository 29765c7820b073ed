/**
 * The raw Linux bindings of the VFIO transport: ioctl numbers, structure layouts, and the JNA
 * calls behind {@link io.jnvme.transport.vfio.internal.VfioSys}. The only package of the bundle that
 * uses JNA. Not exported.
 */
package io.jnvme.transport.vfio.internal.jna;
