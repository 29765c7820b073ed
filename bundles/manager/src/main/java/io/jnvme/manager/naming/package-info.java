/**
 * Linux-style instance names for NVMe controllers, subsystems and namespaces, as a pure
 * function of instance state: {@link io.jnvme.manager.naming.Topology} (immutable; hot-plug
 * operations return a new state), {@link io.jnvme.manager.naming.NameTable} (the names it
 * yields) and {@link io.jnvme.manager.naming.StableAliases} (names that do not depend on
 * arrival order).
 *
 * <p>The rules follow the Linux NVMe host driver since 5.4: one shared pool for controller and
 * subsystem numbers, a new subsystem takes its first controller's number, namespace heads are
 * numbered per subsystem from 1. No I/O, no OSGi.
 */
@Export
@Version("1.0.0")
package io.jnvme.manager.naming;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
