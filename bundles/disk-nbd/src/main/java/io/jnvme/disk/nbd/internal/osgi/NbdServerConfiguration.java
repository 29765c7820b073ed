package io.jnvme.disk.nbd.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The NBD server (PID {@value NbdServerComponent#PID}). */
@ObjectClassDefinition(
    id = NbdServerComponent.PID,
    name = "jnvme NBD server",
    description = "Exports BlockDevice services over NBD (TCP and a Unix socket).")
public @interface NbdServerConfiguration {
  @AttributeDefinition(name = "TCP address",
      description = "Address to listen on; empty for no TCP listener", required = false)
  String address() default "127.0.0.1";

  @AttributeDefinition(name = "TCP port", description = "10809 is the IANA port for NBD")
  int port() default 10809;

  @AttributeDefinition(name = "Unix socket",
      description = "Path of the Unix socket; empty for <jnvme.home>/nbd.sock (none if "
          + "jnvme.home is not set), 'none' for no Unix socket", required = false)
  String unixSocket() default "";

  @AttributeDefinition(name = "Exports",
      description = "Which devices to export and how, one entry each: <device>, "
          + "<export>=<device>, optionally followed by :ro (read-only) or :rw. Empty: every "
          + "BlockDevice under its own name, read-only if the device is.", required = false)
  String[] exports() default {};

  @AttributeDefinition(name = "Default export",
      description = "The export a client gets with the empty name; empty for the first by name",
      required = false)
  String defaultExport() default "";

  @AttributeDefinition(name = "Maximum connections", description = "Further clients are refused")
  int maxConnections() default 64;

  @AttributeDefinition(name = "Handshake timeout (s)",
      description = "A client that has not finished the handshake by then is disconnected")
  int handshakeTimeoutSeconds() default 30;
}
