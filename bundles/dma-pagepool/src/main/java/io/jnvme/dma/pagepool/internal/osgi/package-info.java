/** The Declarative Services component that registers the page pool. Not exported. */
package io.jnvme.dma.pagepool.internal.osgi;
