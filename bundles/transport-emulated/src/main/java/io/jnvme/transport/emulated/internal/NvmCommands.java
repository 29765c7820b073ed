package io.jnvme.transport.emulated.internal;

import io.jnvme.spec.DsmRange;
import io.jnvme.spec.NvmOpcode;
import io.jnvme.spec.Sqe;
import io.jnvme.spec.Status;
import io.jnvme.transport.emulated.EmulatedNamespace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NVM command set I/O commands (NVM Command Set spec 1.0, §3): Flush, Write, Read, Write
 * Zeroes, Dataset Management. Runs under the lock of the command's submission queue; commands of
 * different queues run concurrently, so everything here is either local or thread safe.
 */
final class NvmCommands {
  private static final Logger LOG = LoggerFactory.getLogger(NvmCommands.class);
  private static final int NSID_BROADCAST = 0xFFFF_FFFF;

  private final ControllerEngine c;

  NvmCommands(ControllerEngine c) {
    this.c = c;
  }

  private static boolean fail(Command cmd, Status s) {
    cmd.result(s.withDnr(), 0);
    return true;
  }

  private static boolean ok(Command cmd) {
    cmd.result(Status.SUCCESS, 0);
    return true;
  }

  /** Executes {@code cmd}; always completes at once. */
  boolean execute(Command cmd) {
    Sqe s = cmd.sqe;
    // No fused operations (FUSES = 0) and no SGLs (SGLS = 0).
    if (s.fuse() != 0 || s.psdt() != 0) {
      return fail(cmd, Status.INVALID_FIELD);
    }
    int op = s.opcode();
    if (op == NvmOpcode.FLUSH.raw()) {
      return flush(cmd);
    }
    boolean known = op == NvmOpcode.READ.raw() || op == NvmOpcode.WRITE.raw()
        || op == NvmOpcode.WRITE_ZEROES.raw() || op == NvmOpcode.DATASET_MANAGEMENT.raw();
    if (!known) {
      // Compare, Verify, Write Uncorrectable, reservations...: not implemented, not in ONCS.
      return fail(cmd, Status.INVALID_COMMAND_OPCODE);
    }
    ActiveNamespace a = c.namespaces.get(s.nsid());
    if (a == null) {
      // Invalid (0, above NN, broadcast) and inactive NSIDs alike: see EmulatedController's class
      // documentation for why inactive ones do not get Invalid Field here.
      return fail(cmd, Status.INVALID_NAMESPACE_OR_FORMAT);
    }
    if (op == NvmOpcode.READ.raw()) {
      return readWrite(cmd, a, false);
    } else if (op == NvmOpcode.WRITE.raw()) {
      return readWrite(cmd, a, true);
    } else if (op == NvmOpcode.WRITE_ZEROES.raw()) {
      return writeZeroes(cmd, a);
    }
    return datasetManagement(cmd, a);
  }

  private boolean flush(Command cmd) {
    int nsid = cmd.sqe.nsid();
    try {
      if (nsid == NSID_BROADCAST) {
        // VWC bits 2:1 = 11b: a broadcast Flush applies to every namespace.
        for (ActiveNamespace a : c.namespaces.values()) {
          a.ns.flush();
        }
        return ok(cmd);
      }
      ActiveNamespace a = c.namespaces.get(nsid);
      if (a == null) {
        return fail(cmd, Status.INVALID_NAMESPACE_OR_FORMAT);
      }
      a.ns.flush();
      return ok(cmd);
    } catch (IOException e) {
      LOG.warn("controller={} qid={} cid={} nsid={}: flush failed: {}", c.name, cmd.qid(),
          cmd.cid(), nsid, e.toString());
      c.stats.mediaErrors.increment();
      cmd.result(Status.WRITE_FAULT, 0);
      return true;
    }
  }

  /**
   * Checks an LBA range: {@code [slba, slba + nlb)} must lie in the namespace (unsigned
   * arithmetic: a huge SLBA must not wrap around).
   */
  private static boolean inRange(long slba, long nlb, long nsze) {
    return Long.compareUnsigned(slba, nsze) < 0 && Long.compareUnsigned(nlb, nsze - slba) <= 0;
  }

  private boolean readWrite(Command cmd, ActiveNamespace a, boolean write) {
    Sqe s = cmd.sqe;
    EmulatedNamespace ns = a.ns;
    long slba = s.slba();
    int nlb = (s.cdw12() & 0xFFFF) + 1;
    long bytes = (long) nlb * ns.lbaSize();
    if (bytes > c.cfg.mdtsBytes()) {
      return fail(cmd, Status.INVALID_FIELD);
    }
    if (!inRange(slba, nlb, ns.blockCount())) {
      cmd.result(Status.LBA_OUT_OF_RANGE.withDnr(), 0);
      return true;
    }
    if (ns.transfersData()) {
      PrpWalk w = cmd.prpWalk();
      Status st = w.walk(c.dma, s.prp1(), s.prp2(), bytes);
      if (!st.isSuccess()) {
        return fail(cmd, st);
      }
      long pos = slba * ns.lbaSize();
      try {
        // SAFETY: each view is a resolved segment of a mapped host block; the namespace reads or
        // writes exactly its remaining bytes and nothing else of host memory.
        for (int i = 0; i < w.count(); i++) {
          ByteBuffer host = w.view(i);
          if (write) {
            ns.write(pos, host);
          } else {
            ns.read(pos, host);
          }
          pos += w.length(i);
        }
      } catch (IOException e) {
        LOG.warn("controller={} qid={} cid={} nsid={} slba={} nlb={}: {} failed: {}", c.name,
            cmd.qid(), cmd.cid(), a.nsid, slba, nlb, write ? "write" : "read", e.toString());
        c.stats.mediaErrors.increment();
        a.stats.mediaErrors.increment();
        cmd.result(write ? Status.WRITE_FAULT : Status.UNRECOVERED_READ_ERROR, 0);
        return true;
      }
    }
    if (write) {
      c.stats.written(bytes);
      a.stats.written(bytes);
    } else {
      c.stats.read(bytes);
      a.stats.read(bytes);
    }
    return ok(cmd);
  }

  private boolean writeZeroes(Command cmd, ActiveNamespace a) {
    Sqe s = cmd.sqe;
    long slba = s.slba();
    int nlb = (s.cdw12() & 0xFFFF) + 1;
    // No data moves, so MDTS does not apply (WZSL is 0: no separate limit either).
    if (!inRange(slba, nlb, a.ns.blockCount())) {
      return fail(cmd, Status.LBA_OUT_OF_RANGE);
    }
    try {
      a.ns.deallocate(slba * a.ns.lbaSize(), (long) nlb * a.ns.lbaSize());
    } catch (IOException e) {
      LOG.warn("controller={} qid={} cid={} nsid={}: write zeroes failed: {}", c.name, cmd.qid(),
          cmd.cid(), a.nsid, e.toString());
      c.stats.mediaErrors.increment();
      cmd.result(Status.WRITE_FAULT, 0);
      return true;
    }
    return ok(cmd);
  }

  private boolean datasetManagement(Command cmd, ActiveNamespace a) {
    Sqe s = cmd.sqe;
    int ranges = (s.cdw10() & 0xFF) + 1;
    boolean deallocate = (s.cdw11() & DsmRange.CDW11_AD) != 0;
    byte[] data = new byte[ranges * DsmRange.SIZE];
    PrpWalk w = new PrpWalk();
    Status st = w.walk(c.dma, s.prp1(), s.prp2(), data.length);
    if (!st.isSuccess()) {
      return fail(cmd, st);
    }
    w.fromHost(data);
    if (!deallocate) {
      // Only hints (integral dataset for read/write): nothing to do.
      return ok(cmd);
    }
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    DsmRange r = new DsmRange();
    long blocks = a.ns.blockCount();
    // Check every range before deallocating any, so a bad range changes nothing.
    for (int i = 0; i < ranges; i++) {
      r.wrap(b, i * DsmRange.SIZE);
      if (r.length() != 0 && !inRange(r.slba(), r.length(), blocks)) {
        return fail(cmd, Status.LBA_OUT_OF_RANGE);
      }
    }
    int lba = a.ns.lbaSize();
    try {
      for (int i = 0; i < ranges; i++) {
        r.wrap(b, i * DsmRange.SIZE);
        if (r.length() != 0) {
          a.ns.deallocate(r.slba() * lba, r.length() * lba);
        }
      }
    } catch (IOException e) {
      LOG.warn("controller={} qid={} cid={} nsid={}: deallocate failed: {}", c.name, cmd.qid(),
          cmd.cid(), a.nsid, e.toString());
      c.stats.mediaErrors.increment();
      cmd.result(Status.WRITE_FAULT, 0);
      return true;
    }
    return ok(cmd);
  }
}
