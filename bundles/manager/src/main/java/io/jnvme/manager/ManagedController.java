package io.jnvme.manager;

import java.time.Instant;

/**
 * A controller connected through the manager.
 *
 * @param name its instance name, e.g. {@code nvme0}
 * @param registryId the id of its registry entry
 * @param transport its transport
 * @param address its address on the transport
 * @param owner its owner when it was connected, or null; the registry has the current one
 * @param created when it was connected
 * @since 1.0
 */
public record ManagedController(
    String name, long registryId, String transport, String address, String owner,
    Instant created) {}
