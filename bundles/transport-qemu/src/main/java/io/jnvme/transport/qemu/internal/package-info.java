/** The QEMU transport's implementation: qtest client, PCI set-up, guest RAM, ring journal. */
package io.jnvme.transport.qemu.internal;
