/**
 * jnvme on a plain module path, without OSGi: the driver, the transport and the DMA allocator are
 * service providers found through {@link java.util.ServiceLoader}.
 */
module io.jnvme.example.jpms {
  requires io.jnvme.driver.api;
  requires io.jnvme.device.api;

  uses io.jnvme.driver.NvmeDriverFactory;
  uses io.jnvme.device.DeviceFactory;
  uses io.jnvme.device.DmaClientProvider;
}
