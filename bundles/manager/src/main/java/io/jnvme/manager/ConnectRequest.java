package io.jnvme.manager;

import java.util.Map;
import java.util.Objects;

/**
 * What {@code nvme:connect} asks for.
 *
 * @param transport the transport, e.g. {@code emulated}
 * @param options transport options (address, service id, NQN, ...), as given
 * @param owner who owns the controller, or null for unowned
 * @since 1.0
 */
public record ConnectRequest(String transport, Map<String, String> options, String owner) {
  public ConnectRequest {
    if (transport == null || transport.isBlank()) {
      throw new IllegalArgumentException("transport must not be blank");
    }
    options = Map.copyOf(Objects.requireNonNullElse(options, Map.of()));
    if (owner != null && owner.isBlank()) {
      throw new IllegalArgumentException("owner must not be blank; use null for unowned");
    }
  }

  /** An unowned controller on {@code transport} with no options. */
  public static ConnectRequest of(String transport) {
    return new ConnectRequest(transport, Map.of(), null);
  }

  /** This request with an owner. */
  public ConnectRequest withOwner(String newOwner) {
    return new ConnectRequest(transport, options, newOwner);
  }
}
