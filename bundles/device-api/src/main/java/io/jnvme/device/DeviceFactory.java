package io.jnvme.device;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A transport's way to open devices from a controller configuration. Registered as a service
 * with the property {@value Device#TRANSPORT_TYPE}; found through {@link java.util.ServiceLoader}
 * on the module path.
 */
@ProviderType
public interface DeviceFactory {
  /** The transport, as in {@value Device#TRANSPORT_TYPE} (e.g. {@code emulated}). */
  String transport();

  /**
   * Opens (or creates) the device for controller {@code name}. Closing the returned device gives
   * it back: for an emulated controller, that ends it.
   *
   * @param options transport options (for the emulated transport, e.g. {@code namespaces})
   * @throws DeviceException if the device cannot be opened; the message says why
   * @throws IllegalArgumentException if an option is invalid; the message names it
   */
  Device open(String name, Map<String, String> options) throws DeviceException;
}
