/**
 * The controller ownership registry: {@link io.jnvme.manager.registry.OwnershipRegistry} keeps
 * one {@link io.jnvme.manager.registry.RegistryEntry} per connected controller in files under the
 * state directory, keyed by an id that is never reused, so that bulk disconnects can leave other
 * owners' controllers alone and stale entries can be removed without touching newer ones.
 *
 * <p>Entries survive a JVM restart; processes sharing the directory coordinate through a file
 * lock. A registry that cannot be read is reported as such
 * ({@link io.jnvme.manager.registry.RegistryUnreadableException}), never as "no owners".
 */
@Export
@Version("1.0.0")
package io.jnvme.manager.registry;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
