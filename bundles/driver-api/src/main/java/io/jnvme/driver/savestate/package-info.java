/**
 * The saved state of a controller for keepalive servicing: records, and {@link
 * io.jnvme.driver.savestate.SavedStateCodec}, their versioned binary encoding.
 *
 * <p>Compatibility rules: a new format version only adds fields; a field a version lacks decodes
 * to a documented default; every version ever written stays decodable, and the tests keep a
 * fixture of each.
 */
@Export
@Version("1.0.0")
package io.jnvme.driver.savestate;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
