/**
 * The page pool's implementation: the pool file ({@link io.jnvme.dma.pagepool.internal.PoolFile}),
 * its layout ({@code PoolLayout}), blocks and clients, and the service-loader provider. Not
 * exported. No native code: the file is mapped with {@link java.nio.channels.FileChannel#map}.
 */
package io.jnvme.dma.pagepool.internal;
