package io.jnvme.transport.vfio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class PciAddressTest {
  @Test
  void addressesAreNormalisedToTheSysfsForm() {
    assertEquals("0000:01:00.0", PciAddress.parse("0000:01:00.0").text());
    assertEquals("0000:01:00.0", PciAddress.parse("01:00.0").text());
    assertEquals("0000:af:1f.7", PciAddress.parse(" 0000:AF:1F.7 ").text());
    assertEquals("10000:00:02.0", PciAddress.parse("10000:00:02.0").text(), "VMD domains");
  }

  @Test
  void anythingElseIsRefused() {
    for (String bad : List.of("", "0000:01:00", "0000:01:20.0", "0000:01:00.8", "nvme0",
        "0000:001:00.0", "0000:01:00.0x")) {
      assertThrows(IllegalArgumentException.class, () -> PciAddress.parse(bad), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> PciAddress.parse(null));
  }
}
