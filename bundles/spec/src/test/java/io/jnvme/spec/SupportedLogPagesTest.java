package io.jnvme.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class SupportedLogPagesTest {
  @Test
  void oneDwordPerLogPageIdentifier() {
    assertEquals(1024, SupportedLogPages.SIZE);
    ByteBuffer b = ByteBuffer.allocate(SupportedLogPages.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    SupportedLogPages p = new SupportedLogPages().wrap(b, 0);
    p.entry(4, SupportedLogPages.LSUPP);
    assertEquals(1, b.getInt(16));
    assertTrue(p.supported(4));
    assertFalse(p.supported(5));
  }
}
