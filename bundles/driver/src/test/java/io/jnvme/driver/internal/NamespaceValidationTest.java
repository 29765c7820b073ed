package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jnvme.driver.NamespaceException;
import io.jnvme.spec.IdentifyNamespace;
import io.jnvme.spec.LbaFormat;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Identify Namespace validation, as the reference driver's namespace code does it (seed 001). */
class NamespaceValidationTest {

  private static IdentifyNamespace id(long nsze, int nlbafZ, int flbas, int lbads) {
    IdentifyNamespace id = new IdentifyNamespace().wrap(ByteBuffer.allocate(4096), 0);
    id.nsze(nsze).ncap(nsze).nlbafZ(nlbafZ).flbas(flbas);
    id.lbaf(0, LbaFormat.of(0, 9, 0));
    id.lbaf(1, LbaFormat.of(8, lbads, 0));
    return id;
  }

  private static NamespaceException.Reason reason(IdentifyNamespace id, long maxTransfer) {
    return assertThrows(NamespaceException.class,
        () -> Namespace.fromIdentify(1, id, maxTransfer, 65536)).reason();
  }

  @Test
  void validNamespace() throws Exception {
    Namespace ns = Namespace.fromIdentify(1, id(1000, 1, 1, 12), 1 << 20, 65536);
    assertEquals(4096, ns.blockSize);
    assertEquals(8, ns.metadataSize);
    assertEquals(256, ns.maxTransferBlocks);
    assertEquals(1000, ns.blockCount());
  }

  @Test
  void nszeZeroIsNotFound() {
    assertEquals(NamespaceException.Reason.NOT_FOUND, reason(id(0, 1, 1, 12), 1 << 20));
  }

  @Test
  void flbasBeyondNlbafIsRefused() {
    assertEquals(NamespaceException.Reason.INVALID_FLBAS, reason(id(10, 0, 1, 12), 1 << 20));
  }

  @Test
  void lbadsOutsideNineToSixteenIsRefused() {
    assertEquals(NamespaceException.Reason.INVALID_LBA_FORMAT, reason(id(10, 1, 1, 8), 1 << 20));
    assertEquals(NamespaceException.Reason.INVALID_LBA_FORMAT, reason(id(10, 1, 1, 17), 1 << 20));
    assertEquals(NamespaceException.Reason.INVALID_LBA_FORMAT, reason(id(10, 1, 1, 0), 1 << 20));
  }

  @Test
  void transferLimitBelowOneBlockIsRefused() {
    assertEquals(NamespaceException.Reason.INVALID_MDTS, reason(id(10, 1, 1, 16), 4096));
  }

  @Test
  void blockCountPerCommandIsCappedByTheNlbField() throws Exception {
    Namespace ns = Namespace.fromIdentify(1, id(1L << 30, 1, 0, 9), 1L << 40, 65536);
    assertEquals(65536, ns.maxTransferBlocks);
  }
}
