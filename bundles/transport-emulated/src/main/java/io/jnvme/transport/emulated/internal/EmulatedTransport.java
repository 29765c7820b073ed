package io.jnvme.transport.emulated.internal;

import io.jnvme.device.Device;
import io.jnvme.device.DeviceException;
import io.jnvme.device.DeviceFactory;
import io.jnvme.transport.emulated.EmulatedController;
import io.jnvme.transport.emulated.EmulatedNamespace;
import io.jnvme.transport.emulated.internal.osgi.ConfigMaps;
import io.jnvme.transport.emulated.internal.osgi.EmulatedControllerConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The emulated transport without OSGi: a {@link DeviceFactory} that {@link java.util.ServiceLoader}
 * can instantiate (JPMS {@code provides io.jnvme.device.DeviceFactory}, or
 * {@code META-INF/services} on the class path). It builds an {@link EmulatedController} per
 * {@link #open} and registers nothing; closing the returned device ends the controller.
 *
 * <p>The options are those of {@link EmulatedControllerConfiguration} ({@code namespaces=1:256M,2:64M},
 * {@code mdts=5}, ...), the same as for controller configurations in OSGi, whose DS factory
 * builds its controllers here too. That annotation type and {@link ConfigMaps} use no OSGi API
 * at run time (the metatype annotations are not retained).
 */
public final class EmulatedTransport implements DeviceFactory {
  /** For {@link java.util.ServiceLoader}. */
  public EmulatedTransport() {}

  @Override
  public String transport() {
    return EmulatedController.TRANSPORT;
  }

  @Override
  public Device open(String name, Map<String, String> options) throws DeviceException {
    return owning(create(name, options), () -> {});
  }

  /**
   * Builds the emulated controller {@code name} from transport options.
   *
   * @throws DeviceException if a file namespace cannot be opened
   * @throws IllegalArgumentException if an option is unknown or invalid; the message names it
   */
  public static EmulatedController create(String name, Map<String, String> options)
      throws DeviceException {
    Map<String, String> all = new HashMap<>(options);
    all.put("name", Objects.requireNonNull(name, "name"));
    try {
      return build(ConfigMaps.of(EmulatedControllerConfiguration.class, all));
    } catch (IOException e) {
      throw new DeviceException("cannot build emulated controller " + name + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * Builds a controller from its configuration.
   *
   * @throws IOException if a file namespace cannot be opened
   * @throws IllegalArgumentException if the configuration is invalid; the message says where
   */
  public static EmulatedController build(EmulatedControllerConfiguration config)
      throws IOException {
    EmulatedController.Builder b = EmulatedController.builder(config.name())
        .modelNumber(config.modelNumber())
        .firmwareRevision(config.firmwareRevision())
        .maxQueueEntries(config.maxQueueEntries())
        .maxIoQueues(config.maxIoQueues())
        .interruptVectors(config.interruptVectors())
        .mdts(config.mdts())
        .capTimeout(config.capTimeout())
        .dstrd(config.dstrd())
        .maxNamespaceId(config.maxNamespaceId())
        .readyDelay(Duration.ofMillis(config.readyDelayMillis()))
        .inlineExecution(config.inlineExecution())
        .commandLogCapacity(config.commandLogCapacity());
    if (!config.serialNumber().isEmpty()) {
      b.serialNumber(config.serialNumber());
    }
    List<EmulatedNamespace> opened = new ArrayList<>();
    try {
      for (NamespaceSpec s : NamespaceSpec.parse(config.namespaces())) {
        EmulatedNamespace ns = s.create();
        opened.add(ns);
        b.namespace(s.nsid(), ns);
      }
      return b.build();
    } catch (IOException | RuntimeException e) {
      for (EmulatedNamespace ns : opened) {
        ns.close();
      }
      throw e;
    }
  }

  /**
   * The controller's device view, owning the controller: its {@code close()} runs
   * {@code beforeClose} and then closes the controller.
   */
  public static Device owning(EmulatedController controller, Runnable beforeClose) {
    return new Owned(controller, beforeClose);
  }

  /** The controller's device view; closing it ends the controller. */
  private static final class Owned extends io.jnvme.device.ForwardingDevice {
    private final EmulatedController controller;
    private final Runnable beforeClose;

    Owned(EmulatedController controller, Runnable beforeClose) {
      super(controller.device());
      this.controller = controller;
      this.beforeClose = beforeClose;
    }

    @Override
    public void close() {
      try {
        beforeClose.run();
      } finally {
        controller.close();
      }
    }

    @Override
    public String toString() {
      return "emulated device " + id();
    }
  }
}
