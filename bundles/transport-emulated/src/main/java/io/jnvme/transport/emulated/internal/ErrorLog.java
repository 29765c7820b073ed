package io.jnvme.transport.emulated.internal;

import io.jnvme.spec.Cqe;
import io.jnvme.spec.ErrorLogEntry;
import io.jnvme.spec.Status;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/** The Error Information log (LID 01h): the newest {@code ELPE + 1} errors the controller saw. */
final class ErrorLog {
  private record Error(long count, int sqid, int cid, Status status, long lba, int nsid) {}

  private final int capacity;
  private final ArrayDeque<Error> errors = new ArrayDeque<>();
  private long count;

  ErrorLog(int capacity) {
    this.capacity = capacity;
  }

  /** Records an error; {@code cid} may be {@link ErrorLogEntry#NO_CID}. */
  synchronized void add(int sqid, int cid, Status status, long lba, int nsid) {
    errors.addFirst(new Error(++count, sqid, cid, status, lba, nsid));
    if (errors.size() > capacity) {
      errors.removeLast();
    }
  }

  /** Errors over the controller's life (SMART "Number of Error Information Log Entries"). */
  synchronized long count() {
    return count;
  }

  /** The log page, newest entry first, unused entries zero. */
  synchronized byte[] page() {
    byte[] b = new byte[capacity * ErrorLogEntry.SIZE];
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    ErrorLogEntry e = new ErrorLogEntry();
    int i = 0;
    for (Error err : errors) {
      e.wrap(buf, i++ * ErrorLogEntry.SIZE);
      e.errorCount(err.count).sqid(err.sqid).cid(err.cid)
          .statusWord(Cqe.statusWord(err.status.raw(), false))
          .parameterErrorLocation(ErrorLogEntry.NO_PARAMETER_LOCATION).lba(err.lba).nsid(err.nsid);
    }
    return b;
  }
}
