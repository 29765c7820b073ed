/**
 * Controller lifecycle without OSGi: {@link io.jnvme.manager.ControllerManager} connects and
 * disconnects controllers through a {@link io.jnvme.manager.ControllerConnector}, names them
 * with {@link io.jnvme.manager.naming.Topology} and records their owners in the
 * {@link io.jnvme.manager.registry.OwnershipRegistry}; {@link io.jnvme.manager.DisconnectAllPolicy}
 * decides what a bulk disconnect may remove. Failures are the sealed
 * {@link io.jnvme.manager.ManagerException} hierarchy.
 */
@Export
@Version("1.0.0")
package io.jnvme.manager;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
