package io.jnvme.transport.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.transport.vfio.VfioOptions.IommuMode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VfioOptionsTest {
  @Test
  void defaults() {
    VfioOptions o = VfioOptions.defaults();
    assertEquals(IommuMode.AUTO, o.iommu());
    assertEquals(64L << 20, o.memlock());
    assertEquals(0, o.vectors());
    assertEquals(Path.of("/sys"), o.sysfsRoot());
    assertEquals(Path.of("/dev"), o.devRoot());
    assertEquals(Path.of("/proc"), o.procRoot());
    assertEquals(o, VfioOptions.fromMap(Map.of("traddr", "0000:01:00.0")));
  }

  @Test
  void connectOptionsAreParsed() {
    VfioOptions o = VfioOptions.fromMap(Map.of("address", "01:00.0", "iommu", "noiommu",
        "memlock", "512M", "vectors", "8", "sysfs", "/tmp/s", "dev", "/tmp/d", "proc", "/tmp/p"));
    assertEquals(IommuMode.NO_IOMMU, o.iommu());
    assertEquals(512L << 20, o.memlock());
    assertEquals(8, o.vectors());
    assertEquals(Path.of("/tmp/s"), o.sysfsRoot());
    assertEquals(Path.of("/tmp/d"), o.devRoot());
    assertEquals(Path.of("/tmp/p"), o.procRoot());
    assertEquals(IommuMode.TYPE1, VfioOptions.fromMap(Map.of("iommu", "TYPE1")).iommu());
    assertEquals(4096, VfioOptions.fromMap(Map.of("memlock", "4096")).memlock());
    assertEquals(1L << 30, VfioOptions.fromMap(Map.of("memlock", "1g")).memlock());
    assertEquals(0, VfioOptions.fromMap(Map.of("memlock", "0")).memlock());
  }

  @Test
  void badOptionsNameTheKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VfioOptions.fromMap(Map.of("trsvcid", "4420")));
    assertEquals("vfio: unknown option trsvcid; known: traddr (or address), dev, iommu, memlock,"
        + " proc, sysfs, vectors", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> VfioOptions.fromMap(Map.of("iommu", "smmu")));
    assertEquals("vfio: iommu=smmu: expected auto, type1 or noiommu", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> VfioOptions.fromMap(Map.of("memlock", "lots")));
    assertTrue(e.getMessage().startsWith("vfio: memlock=lots: expected bytes"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> VfioOptions.fromMap(Map.of("vectors",
        "-1")));
    assertThrows(IllegalArgumentException.class, () -> VfioOptions.fromMap(Map.of("vectors",
        "x")));
  }

  @Test
  void connectWithoutAnAddressSaysHowToGiveOne() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VfioTransport.open(Map.of("iommu", "auto")));
    assertEquals("vfio: the PCI address is required: --traddr 0000:01:00.0 (or"
        + " address=0000:01:00.0)", e.getMessage());
  }
}
