package io.jnvme.transport.vfio.internal.jna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jnvme.transport.vfio.internal.SysCallException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JNA bindings against the real kernel, with files and eventfds (no VFIO needed). */
class LinuxSysTest {
  private final LinuxSys sys = LinuxSys.load();

  @TempDir
  Path dir;

  @Test
  void failuresCarryTheCallAndErrno() {
    SysCallException e = assertThrows(SysCallException.class,
        () -> sys.open(dir.resolve("missing").toString()));
    assertEquals(SysCallException.ENOENT, e.errno());
    assertEquals("open " + dir.resolve("missing") + " failed: ENOENT(2)", e.getMessage());
  }

  @Test
  void aVfioIoctlOnAnotherFileIsEnotty() throws Exception {
    int fd = sys.open("/dev/null");
    try {
      SysCallException e = assertThrows(SysCallException.class,
          () -> sys.ioctl(fd, Ioctls.VFIO_GET_API_VERSION, 0L));
      assertEquals(SysCallException.ENOTTY, e.errno());
      assertEquals("VFIO_GET_API_VERSION", e.call());
      ByteBuffer status = VfioLayouts.allocate(VfioLayouts.GroupStatus.SIZE);
      status.putInt(0, VfioLayouts.GroupStatus.SIZE);
      e = assertThrows(SysCallException.class,
          () -> sys.ioctl(fd, Ioctls.VFIO_GROUP_GET_STATUS, status));
      assertEquals(SysCallException.ENOTTY, e.errno());
      assertThrows(IllegalArgumentException.class,
          () -> sys.ioctl(fd, Ioctls.VFIO_GROUP_GET_STATUS, ByteBuffer.allocate(8)));
    } finally {
      sys.close(fd);
    }
  }

  @Test
  void aSharedMappingIsTheFileAndRetiringItReadsAllOnes() throws Exception {
    Path file = dir.resolve("bar");
    Files.write(file, new byte[8192]);
    int fd = sys.open(file.toString());
    try {
      long at = sys.mmapShared(fd, 4096, 4096);
      assertEquals(0, at % sys.pageSize());
      ByteBuffer view = sys.view(at, 4096);
      assertEquals(at, sys.address(view));
      view.putInt(8, 0x12345678);
      ByteBuffer b = VfioLayouts.allocate(4);
      assertEquals(4, sys.pread(fd, b, 4096 + 8));
      assertEquals(0x12345678, b.getInt(0));
      b.putInt(0, 0x0badcafe);
      assertEquals(4, sys.pwrite(fd, b, 4096 + 12));
      assertEquals(0x0badcafe, view.getInt(12));

      sys.retireMapping(at, 4096);
      assertEquals(-1, view.getInt(8), "the old buffer now reads all ones");
      view.putInt(16, 5); // private memory now: the file does not change
      assertEquals(4, sys.pread(fd, b, 4096 + 16));
      assertEquals(0, b.getInt(0));
      assertEquals(4, sys.pread(fd, b, 4096 + 8));
      assertEquals(0x12345678, b.getInt(0), "the file keeps what the device had");
      sys.munmap(at, 4096);
    } finally {
      sys.close(fd);
    }
  }

  @Test
  void anEventfdCountsUntilRead() throws Exception {
    int fd = sys.eventfd();
    try {
      assertEquals(0, sys.eventfdRead(fd), "empty: EAGAIN reads as 0");
      assertFalse(sys.pollIn(fd, 0));
      sys.eventfdWrite(fd, 2);
      sys.eventfdWrite(fd, 3);
      assertTrue(sys.pollIn(fd, 0));
      assertEquals(5, sys.eventfdRead(fd));
      assertEquals(0, sys.eventfdRead(fd));
      long t0 = System.nanoTime();
      assertFalse(sys.pollIn(fd, 30));
      assertTrue(System.nanoTime() - t0 >= 25_000_000L, "poll waited for its timeout");
    } finally {
      sys.close(fd);
    }
  }

  @Test
  void thePageSizeIsAPowerOfTwo() {
    assertTrue(sys.pageSize() >= 4096 && Integer.bitCount(sys.pageSize()) == 1);
  }
}
