package io.jnvme.manager.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StableAliasesTest {
  private static final String NQN = "nqn.2019-09.io.jnvme:emulated:0";

  @Test
  void everyNamespaceHasNqnAndNsid() {
    assertEquals(List.of(NQN + ":nsid:1"), StableAliases.of(NQN, 1, NamespaceIdentifiers.NONE));
    assertEquals(List.of(NQN + ":nsid:4294967294"),
        StableAliases.of(NQN, 0xfffffffe, NamespaceIdentifiers.NONE));
  }

  @Test
  void reportedIdentifiersAddAliases() {
    byte[] nguid = new byte[16];
    byte[] eui64 = new byte[8];
    byte[] uuid = new byte[16];
    for (int i = 0; i < 16; i++) {
      nguid[i] = (byte) (0xf0 + i);
      uuid[i] = (byte) i;
    }
    eui64[0] = 0x00;
    eui64[7] = (byte) 0xAB;
    NamespaceIdentifiers ids = NamespaceIdentifiers.fromBytes(nguid, eui64, uuid, 0);
    assertEquals(List.of(NQN + ":nsid:3",
        "nguid:f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "eui64:00000000000000ab",
        "uuid:00010203-0405-0607-0809-0a0b0c0d0e0f"), StableAliases.of(NQN, 3, ids));
  }

  @Test
  void allZeroIdentifiersMeanNotReported() {
    NamespaceIdentifiers ids = NamespaceIdentifiers.fromBytes(new byte[16], new byte[8],
        new byte[16], 0);
    assertTrue(ids.isEmpty());
    assertEquals(NamespaceIdentifiers.NONE, ids);
    NamespaceIdentifiers text = new NamespaceIdentifiers("0".repeat(32), "0000-0000-0000-0000",
        new UUID(0, 0), 0);
    assertNull(text.nguid());
    assertNull(text.eui64());
    assertNull(text.uuid());
    assertEquals(1, StableAliases.of(NQN, 1, text).size());
  }

  @Test
  void hexIsNormalisedAndValidated() {
    NamespaceIdentifiers ids = new NamespaceIdentifiers(null, "00-11-22-33-44-55-66-AA", null, 0);
    assertEquals("00112233445566aa", ids.eui64());
    assertThrows(IllegalArgumentException.class,
        () -> new NamespaceIdentifiers("abc", null, null, 0));
    assertThrows(IllegalArgumentException.class,
        () -> new NamespaceIdentifiers(null, "zz11223344556677", null, 0));
  }

  @Test
  void aliasesAppearInTheNameTable() throws Exception {
    NamespaceIdentifiers ids = new NamespaceIdentifiers(null, "0011223344556677", null, 0);
    Topology t = Topology.empty().addController("A")
        .identify("A", ControllerIdentity.of(NQN, 1, 0))
        .addNamespace("A", new NamespaceIdentity(7, ids, false));
    NameTable.DiskName d = t.names().disk("nvme0n1").orElseThrow();
    assertEquals(List.of(NQN + ":nsid:7", "eui64:0011223344556677"), d.aliases());
    assertEquals(List.of(d), t.names().byAlias(NQN + ":nsid:7"));
  }
}
