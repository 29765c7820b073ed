package io.jnvme.driver;

import io.jnvme.device.Device;
import io.jnvme.device.DmaClient;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Brings up controllers: the driver implementation's entry point, found as an OSGi service or
 * through {@link java.util.ServiceLoader}.
 */
@ProviderType
public interface NvmeDriverFactory {
  /**
   * Brings up the controller behind {@code device}: reset, admin queue, Identify, queue count,
   * the first I/O queue. Returns when it is ready.
   *
   * @param dma where the queues and buffers come from
   * @throws ControllerStartException if bring-up fails; nothing is left behind
   */
  NvmeController start(Device device, DmaClient dma, ControllerOptions options)
      throws ControllerStartException;
}
