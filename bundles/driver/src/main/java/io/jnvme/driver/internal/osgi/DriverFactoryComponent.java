package io.jnvme.driver.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.device.DmaClient;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.ControllerStartException;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeDriverFactory;
import io.jnvme.driver.savestate.ControllerSavedState;
import io.jnvme.driver.internal.DriverFactory;
import org.osgi.service.component.annotations.Component;

/** Offers the driver factory as an OSGi service, for code that brings up controllers itself. */
@Component(service = NvmeDriverFactory.class)
public final class DriverFactoryComponent implements NvmeDriverFactory {
  private final DriverFactory factory = new DriverFactory();

  @Override
  public NvmeController start(Device device, DmaClient dma, ControllerOptions options)
      throws ControllerStartException {
    return factory.start(device, dma, options);
  }

  @Override
  public NvmeController restore(Device device, DmaClient dma, ControllerOptions options,
      ControllerSavedState state) throws ControllerStartException {
    return factory.restore(device, dma, options, state);
  }
}
