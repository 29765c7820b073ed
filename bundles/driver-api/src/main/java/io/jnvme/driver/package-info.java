/**
 * What users of the NVMe driver see: {@link io.jnvme.driver.NvmeController},
 * {@link io.jnvme.driver.NamespaceHandle}, the sealed {@link io.jnvme.driver.NvmeException}
 * hierarchy and the {@link io.jnvme.driver.NvmeDriverFactory} SPI through which a driver
 * implementation is found (an OSGi service, or {@link java.util.ServiceLoader} on the module
 * path). Kept apart from the implementation so that replacing the driver does not restart its
 * users.
 */
@Export
@Version("1.1.0")
package io.jnvme.driver;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
