package io.jnvme.driver.internal;

import io.jnvme.device.Device;
import io.jnvme.device.DmaClient;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.ControllerStartException;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeDriverFactory;
import io.jnvme.driver.savestate.ControllerSavedState;

/** The driver's entry point, found through {@link java.util.ServiceLoader} or as an OSGi service. */
public final class DriverFactory implements NvmeDriverFactory {
  @Override
  public NvmeController start(Device device, DmaClient dma, ControllerOptions options)
      throws ControllerStartException {
    return Controller.start(device, dma, options);
  }

  @Override
  public NvmeController restore(Device device, DmaClient dma, ControllerOptions options,
      ControllerSavedState state) throws ControllerStartException {
    return Controller.restore(device, dma, options, state);
  }
}
