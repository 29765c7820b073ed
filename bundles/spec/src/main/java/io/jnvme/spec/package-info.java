/**
 * NVMe structures from the NVM Express Base Specification 2.0 and the NVM Command Set
 * Specification 1.0: controller registers, submission and completion queue entries, Identify
 * data, features, log pages and status codes.
 *
 * <p>Structures are flyweights over a little-endian {@link java.nio.ByteBuffer}: they allocate
 * nothing, so the driver can build commands directly in DMA memory. Each flyweight states its
 * {@code SIZE} and the byte offset of each field ({@code *_OFFSET}) as constants, which the tests
 * check against the specification. Codes a device reports (status, opcodes, feature ids) are open
 * value types: a code this package does not know still prints and compares.
 *
 * <p>Mnemonics follow the specification (Cap = Controller Capabilities, Cc = Controller
 * Configuration, Csts = Controller Status, Aqa = Admin Queue Attributes, cdw10 = Command Dword 10).
 * Zero-based fields carry a {@code Z} suffix ({@code mqesZ()}) beside a derived helper.
 */
@Export
@Version("1.0.0")
package io.jnvme.spec;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
