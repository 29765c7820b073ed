/**
 * The JNA bindings of the lockmem allocator: the only package of the bundle that uses JNA. Not
 * exported.
 */
package io.jnvme.dma.lockmem.internal.jna;
