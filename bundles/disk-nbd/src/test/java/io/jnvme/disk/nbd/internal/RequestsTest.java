package io.jnvme.disk.nbd.internal;

import static io.jnvme.disk.nbd.internal.Nbd.CMD_FLAG_DF;
import static io.jnvme.disk.nbd.internal.Nbd.CMD_FLAG_FAST_ZERO;
import static io.jnvme.disk.nbd.internal.Nbd.CMD_FLAG_FUA;
import static io.jnvme.disk.nbd.internal.Nbd.CMD_FLAG_NO_HOLE;
import static io.jnvme.disk.nbd.internal.Nbd.CMD_FLAG_REQ_ONE;
import static io.jnvme.disk.nbd.internal.Nbd.CMD_FLUSH;
import static io.jnvme.disk.nbd.internal.Nbd.CMD_READ;
import static io.jnvme.disk.nbd.internal.Nbd.CMD_TRIM;
import static io.jnvme.disk.nbd.internal.Nbd.CMD_WRITE;
import static io.jnvme.disk.nbd.internal.Nbd.CMD_WRITE_ZEROES;
import static io.jnvme.disk.nbd.internal.Nbd.EINVAL;
import static io.jnvme.disk.nbd.internal.Nbd.ENOSPC;
import static io.jnvme.disk.nbd.internal.Nbd.EOVERFLOW;
import static io.jnvme.disk.nbd.internal.Nbd.EPERM;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RequestsTest {
  private static final long SIZE = 1 << 20;
  private static final int MAX = 32 << 20;

  private static int check(int type, int flags, long offset, long length) {
    return Requests.check(type, flags, offset, length, SIZE, false, false, MAX);
  }

  @Test
  void validRequestsPass() {
    assertEquals(0, check(CMD_READ, 0, 0, SIZE));
    assertEquals(0, check(CMD_READ, CMD_FLAG_FUA, SIZE - 1, 1));
    assertEquals(0, check(CMD_WRITE, CMD_FLAG_FUA, 7, 13));
    assertEquals(0, check(CMD_WRITE_ZEROES, CMD_FLAG_NO_HOLE | CMD_FLAG_FUA, 0, SIZE));
    assertEquals(0, check(CMD_TRIM, 0, 0, SIZE));
    assertEquals(0, check(CMD_FLUSH, 0, 0, 0));
    assertEquals(0, check(CMD_READ, 0, SIZE, 0), "empty read at the end");
    assertEquals(0, Requests.check(CMD_READ, CMD_FLAG_DF, 0, 512, SIZE, false, true, MAX));
  }

  @Test
  void rangesOutsideTheExport() {
    assertEquals(EINVAL, check(CMD_READ, 0, SIZE - 1, 2));
    assertEquals(EINVAL, check(CMD_READ, 0, SIZE + 1, 0));
    assertEquals(EINVAL, check(CMD_READ, 0, -1, 1), "offset 2^64 - 1");
    assertEquals(EINVAL, check(CMD_READ, 0, Long.MAX_VALUE, 0xFFFF_FFFFL));
    assertEquals(ENOSPC, check(CMD_WRITE, 0, SIZE, 1));
    assertEquals(ENOSPC, check(CMD_WRITE_ZEROES, 0, 1, SIZE));
    assertEquals(EINVAL, check(CMD_TRIM, 0, 1, SIZE));
  }

  @Test
  void payloadLimits() {
    long big = 1L << 30;
    assertEquals(EINVAL, Requests.check(CMD_READ, 0, 0, MAX + 1L, big, false, false, MAX));
    assertEquals(EOVERFLOW, Requests.check(CMD_READ, 0, 0, MAX + 1L, big, false, true, MAX));
    assertEquals(EINVAL, Requests.check(CMD_WRITE, 0, 0, MAX + 1L, big, false, false, MAX));
    assertEquals(0, Requests.check(CMD_WRITE_ZEROES, 0, 0, 0xFFFF_FFFFL, 1L << 33, false, false,
        MAX), "no payload: no limit");
  }

  @Test
  void flagsThatDoNotApply() {
    assertEquals(EINVAL, check(CMD_READ, 1 << 15, 0, 1), "unknown bit");
    assertEquals(EINVAL, check(CMD_WRITE, CMD_FLAG_NO_HOLE, 0, 1));
    assertEquals(EINVAL, check(CMD_READ, CMD_FLAG_DF, 0, 1), "DF without structured replies");
    assertEquals(EINVAL, Requests.check(CMD_WRITE, CMD_FLAG_DF, 0, 1, SIZE, false, true, MAX));
    assertEquals(EINVAL, check(CMD_WRITE_ZEROES, CMD_FLAG_FAST_ZERO, 0, 1), "not advertised");
    assertEquals(EINVAL, check(CMD_READ, CMD_FLAG_REQ_ONE, 0, 1));
  }

  @Test
  void unknownAndUnadvertisedCommands() {
    assertEquals(EINVAL, check(Nbd.CMD_CACHE, 0, 0, 1));
    assertEquals(EINVAL, check(Nbd.CMD_BLOCK_STATUS, 0, 0, 1));
    assertEquals(EINVAL, check(9, 0, 0, 0));
    assertEquals(EINVAL, check(0xFFFF, 0, 0, 0));
  }

  @Test
  void readOnlyExports() {
    for (int type : new int[] {CMD_WRITE, CMD_WRITE_ZEROES, CMD_TRIM}) {
      assertEquals(EPERM, Requests.check(type, 0, 0, 1, SIZE, true, false, MAX));
    }
    assertEquals(0, Requests.check(CMD_READ, 0, 0, 1, SIZE, true, false, MAX));
    assertEquals(0, Requests.check(CMD_FLUSH, 0, 0, 0, SIZE, true, false, MAX));
  }

  @Test
  void transmissionFlags() {
    int rw = Requests.transmissionFlags(false, false);
    assertEquals(Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA
        | Nbd.FLAG_SEND_TRIM | Nbd.FLAG_SEND_WRITE_ZEROES | Nbd.FLAG_CAN_MULTI_CONN, rw);
    int ro = Requests.transmissionFlags(true, true);
    assertEquals(Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_READ_ONLY | Nbd.FLAG_SEND_FLUSH
        | Nbd.FLAG_SEND_DF | Nbd.FLAG_CAN_MULTI_CONN, ro);
  }
}
