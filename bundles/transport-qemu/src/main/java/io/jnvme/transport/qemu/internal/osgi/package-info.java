/** The Declarative Services components of the QEMU transport. Not exported. */
package io.jnvme.transport.qemu.internal.osgi;
