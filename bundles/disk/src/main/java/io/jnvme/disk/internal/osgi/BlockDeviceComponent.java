package io.jnvme.disk.internal.osgi;

import io.jnvme.disk.BlockDevice;
import io.jnvme.disk.BlockDeviceListener;
import io.jnvme.disk.internal.NvmeBlockDevice;
import io.jnvme.driver.NvmeController;
import io.jnvme.driver.NvmeException;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exposes one namespace as a {@link BlockDevice} service: opens it when its controller's
 * {@link NvmeController} service appears, registers the device, and keeps it registered while the
 * controller is replaced (servicing), moving it to the new controller. Without configuration it
 * exposes {@code nvme0n1}; each factory configuration exposes one namespace.
 *
 * <p>When the controller's service goes away, the device stops using its memory at once (the
 * driver frees it when the controller closes) and waits for a controller of the same name; if
 * none comes within the rebind timeout, the device is withdrawn and closed. A removed namespace
 * withdraws the device too.
 *
 * <p>Opening runs on the component's own thread, so a slow controller never blocks the framework.
 */
@Component(
    configurationPid = BlockDeviceComponent.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL,
    service = {},
    immediate = true)
@Designate(ocd = BlockDeviceConfiguration.class, factory = true)
public final class BlockDeviceComponent {
  /** The configuration PID (a factory PID). */
  public static final String PID = "io.jnvme.disk";
  /** The owner recorded with the namespace handles this component opens. */
  public static final String OWNER = "disk";

  private static final Logger LOG = LoggerFactory.getLogger(BlockDeviceComponent.class);

  private final BundleContext context;
  private final String controllerName;
  private final int nsid;
  private final String name;
  private final boolean readOnly;
  private final NvmeBlockDevice.Options options;
  private final ScheduledExecutorService worker;
  /** The latest bound controller of our name (a replacement binds before the old unbinds). */
  private final AtomicReference<NvmeController> latest = new AtomicReference<>();
  /** Written by the worker thread; read by unbind. */
  private volatile NvmeBlockDevice device;
  private ServiceRegistration<BlockDevice> registration;
  private ServiceRegistration<io.jnvme.driver.NamespaceLender> lenderRegistration;
  private boolean active;

  @Activate
  public BlockDeviceComponent(BundleContext context, BlockDeviceConfiguration config) {
    this.context = context;
    this.controllerName = config.controller();
    this.nsid = config.nsid();
    this.name = config.name().isEmpty() ? controllerName + "n" + nsid : config.name();
    this.readOnly = config.readOnly();
    this.options = NvmeBlockDevice.Options.defaults()
        .withOwner(OWNER)
        .withRebindTimeout(Duration.ofSeconds(Math.max(1, config.rebindTimeoutSeconds())));
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "disk-" + name + "-component");
      t.setDaemon(true);
      return t;
    });
  }

  @Activate
  void activate() {
    synchronized (this) {
      active = true;
    }
    NvmeController c = latest.get();
    if (c != null) {
      schedule(() -> connect(c));
    }
  }

  @Reference(name = "controller", service = NvmeController.class,
      cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      unbind = "unbindController")
  void bindController(NvmeController controller, Map<String, Object> properties) {
    if (!controllerName.equals(nameOf(controller, properties))) {
      return;
    }
    latest.set(controller);
    boolean now;
    synchronized (this) {
      now = active;
    }
    if (now) {
      schedule(() -> connect(controller));
    }
  }

  void unbindController(NvmeController controller, Map<String, Object> properties) {
    if (!controllerName.equals(nameOf(controller, properties))) {
      return;
    }
    latest.compareAndSet(controller, null);
    // Synchronous, and after any open in progress (connect holds the monitor while it opens):
    // the driver closes the controller, and frees its memory, right after this returns.
    synchronized (this) {
      NvmeBlockDevice d = device;
      if (d != null) {
        d.detach(controller);
      }
    }
    try {
      worker.schedule(this::withdrawIfDetached, options.rebindTimeout().toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Deactivating.
    }
  }

  private static String nameOf(NvmeController controller, Map<String, Object> properties) {
    Object n = properties.get(NvmeController.NAME);
    return n != null ? n.toString() : controller.name();
  }

  private void schedule(Runnable task) {
    try {
      worker.execute(task);
    } catch (RejectedExecutionException e) {
      // Deactivating.
    }
  }

  /** Opens the device on {@code c}, or moves an existing one to it. Worker thread. */
  private void connect(NvmeController c) {
    NvmeBlockDevice d;
    synchronized (this) {
      if (!active || latest.get() != c) {
        return; // superseded
      }
      d = device;
      if (d != null) {
        try {
          d.attach(c);
        } catch (NvmeException e) {
          LOG.error("block device cannot move to the new controller device={} controller={}:"
              + " {}", name, controllerName, e.getMessage());
        }
        return;
      }
      try {
        d = NvmeBlockDevice.open(name, c, nsid, readOnly, options, latest::get);
      } catch (NvmeException | RuntimeException e) {
        LOG.error("cannot expose namespace device={} controller={} nsid={}: {}", name,
            controllerName, nsid, e.getMessage());
        return;
      }
      device = d;
    }
    NvmeBlockDevice opened = d;
    opened.addListener(new BlockDeviceListener() {
      @Override
      public void removed(BlockDevice ignored) {
        schedule(() -> withdraw(opened));
      }
    });
    Dictionary<String, Object> props = new Hashtable<>();
    props.put(BlockDevice.NAME, name);
    props.put(BlockDevice.CONTROLLER, controllerName);
    props.put(BlockDevice.NSID, nsid);
    props.put(BlockDevice.READ_ONLY, readOnly);
    props.put(BlockDevice.BLOCK_SIZE, opened.blockSize());
    // Registered outside the monitor: service events call other components synchronously.
    ServiceRegistration<BlockDevice> reg = context.registerService(BlockDevice.class, opened, props);
    // The shell's nvme:read/write on this namespace go through this device's handle: it stays
    // the namespace's only owner.
    Dictionary<String, Object> lend = new Hashtable<>();
    lend.put(io.jnvme.driver.NvmeController.NAME, controllerName);
    lend.put(io.jnvme.driver.NamespaceLender.NSID, nsid);
    ServiceRegistration<io.jnvme.driver.NamespaceLender> lendReg = context.registerService(
        io.jnvme.driver.NamespaceLender.class, new io.jnvme.driver.NamespaceLender() {
          @Override
          public <T> T withHandle(Task<T> task) throws io.jnvme.driver.NvmeException {
            return opened.lend(task);
          }
        }, lend);
    synchronized (this) {
      registration = reg;
      lenderRegistration = lendReg;
    }
    LOG.info("block device registered device={} controller={} nsid={} size={} blockSize={}"
        + " readOnly={}", name, controllerName, nsid, opened.size(), opened.blockSize(),
        readOnly);
  }

  private void withdrawIfDetached() {
    NvmeBlockDevice d = device;
    if (d != null && d.controller() == null && latest.get() == null) {
      LOG.warn("controller did not come back within {} s, withdrawing device={} controller={}",
          options.rebindTimeout().toSeconds(), name, controllerName);
      withdraw(d);
    }
  }

  /**
   * Takes the device and its registrations, unregisters them and closes the device: if
   * {@code only} is not null, only while it is still the device (the worker thread's case), else
   * whatever device there is (deactivation).
   */
  private void withdraw(NvmeBlockDevice only) {
    NvmeBlockDevice d;
    ServiceRegistration<?> reg;
    ServiceRegistration<?> lendReg;
    synchronized (this) {
      if (only != null && device != only) {
        return;
      }
      d = device;
      device = null;
      reg = registration;
      registration = null;
      lendReg = lenderRegistration;
      lenderRegistration = null;
    }
    unregister(lendReg);
    unregister(reg);
    if (d != null) {
      d.close();
    }
  }

  private static void unregister(ServiceRegistration<?> reg) {
    if (reg != null) {
      try {
        reg.unregister();
      } catch (IllegalStateException e) {
        // Already gone with the bundle.
      }
    }
  }

  @Deactivate
  void deactivate() {
    synchronized (this) {
      active = false;
    }
    worker.shutdownNow();
    try {
      if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("block device thread did not stop device={}", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    withdraw(null);
  }
}
