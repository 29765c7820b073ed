package io.jnvme.driver;

import io.jnvme.device.Device;
import io.jnvme.device.DmaClient;
import io.jnvme.driver.savestate.ControllerSavedState;
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

  /**
   * Takes over a controller that a previous driver saved: no reset, no Identify, no queue
   * creation; the queues continue where they were. When the state cannot be used (keepalive now
   * off, another device, a memory block missing, the controller not ready), the controller is
   * reset, the stale persistent blocks are freed and it starts cold; the log and
   * {@link ControllerStatus#lastStart()} say why.
   *
   * @throws ControllerStartException if even the cold start fails
   */
  NvmeController restore(Device device, DmaClient dma, ControllerOptions options,
      ControllerSavedState state) throws ControllerStartException;
}
