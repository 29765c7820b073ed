package io.jnvme.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jnvme.driver.NamespaceException;
import io.jnvme.driver.NamespaceHandle;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NamespaceOwnershipTest {

  @Test
  void secondOpenIsDuplicateUntilClosed() throws Exception {
    try (Fixture f = Fixture.started()) {
      NamespaceHandle a = f.ctrl.open(1, "alice");
      NamespaceException e = assertThrows(NamespaceException.class, () -> f.ctrl.open(1, "bob"));
      assertEquals(NamespaceException.Reason.DUPLICATE, e.reason());
      assertEquals("alice", f.ctrl.namespaces().get(0).owner());
      NamespaceHandle other = f.ctrl.open(2, "bob");
      a.close();
      a.close();
      NamespaceHandle b = f.ctrl.open(1, "bob");
      assertNotSame(a, b);
      assertEquals(NamespaceException.Reason.CLOSED,
          assertThrows(NamespaceException.class, a::flush).reason());
      b.flush();
      b.close();
      other.close();
    }
  }

  @Test
  void inactiveNamespaceIsNotFound() throws Exception {
    try (Fixture f = Fixture.started()) {
      assertEquals(NamespaceException.Reason.NOT_FOUND,
          assertThrows(NamespaceException.class, () -> f.ctrl.open(9, "x")).reason());
      assertEquals(NamespaceException.Reason.NOT_FOUND,
          assertThrows(NamespaceException.class, () -> f.ctrl.open(0, "x")).reason());
    }
  }
}
