package io.jnvme.transport.emulated.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.transport.emulated.EmulatedNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NamespaceSpecTest {
  @Test
  void parsesEveryKind() {
    List<NamespaceSpec> l =
        NamespaceSpec.parse(" 1:256M, 2:64M:4096 ,3:null:1T,4:file=/tmp/a:b.img:1G:4096,5:mem:8KiB");
    assertEquals(5, l.size());
    assertEquals(new NamespaceSpec(1, "mem", 256L << 20, 512, null), l.get(0));
    assertEquals(new NamespaceSpec(2, "mem", 64L << 20, 4096, null), l.get(1));
    assertEquals(new NamespaceSpec(3, "null", 1L << 40, 512, null), l.get(2));
    assertEquals(new NamespaceSpec(4, "file", 1L << 30, 4096, "/tmp/a:b.img"), l.get(3));
    assertEquals(new NamespaceSpec(5, "mem", 8192, 512, null), l.get(4));
    assertTrue(NamespaceSpec.parse("").isEmpty());
    assertTrue(NamespaceSpec.parse("  ").isEmpty());
    assertEquals(1L << 30, NamespaceSpec.parse("1:file=C:/ns.img:1g").get(0).sizeBytes());
    assertEquals("C:/ns.img", NamespaceSpec.parse("1:file=C:/ns.img:1g").get(0).path());
    assertEquals(4096, NamespaceSpec.size("4096"));
    assertEquals(3L << 50, NamespaceSpec.size("3P"));
    assertEquals(2L << 20, NamespaceSpec.size("2MB"));
  }

  private static String error(String config) {
    return assertThrows(IllegalArgumentException.class, () -> NamespaceSpec.parse(config))
        .getMessage();
  }

  @Test
  void badInputIsRejectedWithTheEntryAndTheReason() {
    String m = error("1:256M,2:256X");
    assertTrue(m.contains("entry \"2:256X\""), m);
    assertTrue(m.contains("size \"256X\""), m);
    assertTrue(error("x:1M").contains("nsid \"x\" is not a number"));
    assertTrue(error("0:1M").contains("at least 1"));
    assertTrue(error("1:1M,1:2M").contains("appears twice"));
    assertTrue(error("1").contains("expected nsid:backing"));
    assertTrue(error("1:1000").contains("multiple of lbaSize=512"));
    assertTrue(error("1:1M:1000").contains("power of two"));
    assertTrue(error("1:1M:512:9").contains("expected"));
    assertTrue(error("1:null").contains("SIZE"));
    assertTrue(error("1:file=:1M").contains("empty file path"));
    assertTrue(error("1:99999999999T").contains("too large"));
    assertTrue(error("99999999999:1M").contains("too large"));
    assertFalse(error("1:-5M").isEmpty());
  }

  @Test
  void createsTheNamespaces(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("ns.img");
    List<NamespaceSpec> l = NamespaceSpec.parse("1:1M,2:null:1T:4096,3:file=" + f + ":64K");
    EmulatedNamespace mem = l.get(0).create();
    assertTrue(mem.transfersData());
    assertEquals(1 << 20, mem.sizeBytes());
    EmulatedNamespace nul = l.get(1).create();
    assertFalse(nul.transfersData());
    assertEquals(4096, nul.lbaSize());
    try (EmulatedNamespace file = l.get(2).create()) {
      assertEquals(65536, Files.size(f));
      assertEquals(65536, file.sizeBytes());
    }
  }
}
