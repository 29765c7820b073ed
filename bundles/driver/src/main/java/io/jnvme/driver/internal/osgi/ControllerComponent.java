package io.jnvme.driver.internal.osgi;

import io.jnvme.device.Device;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.driver.ControllerOptions;
import io.jnvme.driver.ControllerStartException;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.internal.Controller;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a controller for every {@link Device} service, on memory from the highest-ranked bound
 * {@link DmaClientProvider}, and registers it as an {@link NvmeController} service. Bring-up runs
 * on a worker thread so that a slow device never blocks the framework.
 */
@Component(service = {}, immediate = true)
public final class ControllerComponent {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerComponent.class);

  private final BundleContext context;
  private final ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "jnvme-controller-start");
    t.setDaemon(true);
    return t;
  });
  private final Map<Device, Running> running = new LinkedHashMap<>();
  private volatile DmaClientProvider dma;
  private boolean active;

  private record Running(Controller controller, ServiceRegistration<NvmeController> registration) {}

  @Activate
  public ControllerComponent(BundleContext context) {
    this.context = context;
  }

  @Activate
  synchronized void activate() {
    active = true;
    devices.keySet().forEach(this::scheduleStart);
  }

  private final Map<Device, String> devices = new LinkedHashMap<>();

  @Reference(name = "dma", cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
  synchronized void bindDma(DmaClientProvider provider) {
    dma = provider;
    LOG.info("DMA allocator bound allocator={}", provider.name());
    if (active) {
      devices.keySet().forEach(this::scheduleStart);
    }
  }

  synchronized void unbindDma(DmaClientProvider provider) {
    if (dma == provider) {
      dma = null;
    }
  }

  @Reference(name = "device", cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  synchronized void bindDevice(Device device, Map<String, Object> props) {
    Object n = props.get(Device.CONTROLLER_NAME);
    devices.put(device, n != null ? n.toString() : "nvme" + devices.size());
    if (active) {
      scheduleStart(device);
    }
  }

  void unbindDevice(Device device) {
    synchronized (this) {
      devices.remove(device);
    }
    // Synchronous: the device's service is being unregistered and the device is still alive
    // until this returns, so the controller gets an orderly shutdown instead of timeouts.
    stop(device);
  }

  private void scheduleStart(Device device) {
    starter.execute(() -> start(device));
  }

  private void start(Device device) {
    String name;
    DmaClientProvider provider;
    synchronized (this) {
      name = devices.get(device);
      provider = dma;
      if (name == null || running.containsKey(device) || !active) {
        return;
      }
    }
    if (provider == null) {
      LOG.info("controller waits for a DMA allocator controller={} device={}", name, device.id());
      return;
    }
    try {
      Controller c = Controller.start(device, provider.clientFor(device.id()),
          ControllerOptions.defaults(name));
      Dictionary<String, Object> props = new Hashtable<>();
      props.put(NvmeController.NAME, name);
      props.put(Device.DEVICE_ID, device.id());
      props.put(Device.TRANSPORT_TYPE, device.transport());
      ServiceRegistration<NvmeController> reg =
          context.registerService(NvmeController.class, c, props);
      synchronized (this) {
        running.put(device, new Running(c, reg));
      }
    } catch (ControllerStartException e) {
      LOG.error("controller failed to start controller={} device={}: {}", name, device.id(),
          e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("controller failed to start controller={} device={}", name, device.id(), e);
    }
  }

  private void stop(Device device) {
    Running r;
    synchronized (this) {
      r = running.remove(device);
    }
    if (r != null) {
      try {
        r.registration.unregister();
      } catch (IllegalStateException e) {
        LOG.debug("already unregistered controller={}", r.controller.name());
      }
      r.controller.close();
    }
  }

  @Deactivate
  void deactivate() {
    synchronized (this) {
      active = false;
    }
    starter.shutdown();
    try {
      starter.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Device d : Map.copyOf(running).keySet()) {
      stop(d);
    }
  }
}
