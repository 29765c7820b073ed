package io.jnvme.driver.savestate;

import io.jnvme.driver.SavedStateException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The binary encoding of {@link ControllerSavedState}.
 *
 * <p>Layout (all integers big endian):
 *
 * <pre>
 * magic      8 bytes  "JNVMESAV"
 * version    u16      1 or 2
 * length     u32      bytes of payload
 * payload             see below
 * crc32      u32      CRC-32 of every byte before it
 *
 * payload:   deviceId str, name str, savedAtMillis i64, identifyController bytes,
 *            maxTransferBytes i64, grantedIoQueues i32, maxIoQueues i32, cpuCount i32, nextQid i32,
 *            [v2] fallbackCount i32,
 *            adminData block, admin queue, ioQueues (count i32, queue...),
 *            cpuQueues (count i32, i32...), namespaces (count i32, namespace...)
 * str        u16 length + UTF-8 (DataOutput.writeUTF)
 * bytes      i32 length + bytes
 * block      tag str, size i64, deviceAddress i64
 * queue      qid, cpu, vector, entries, sqTail, sqHead, cqHead i32; phase bool;
 *            prpPagesPerSlot i32; sq, cq, prp block; generations (count i32, i32...);
 *            pending (count i32, {cid i32, opcode i32, nsid i32, timedOut bool}...)
 * namespace  nsid i32, identify bytes, [v2] owner: present bool + str
 * </pre>
 *
 * <p>Version 2 added the fallback count and namespace owners; version 1 states decode with a
 * fallback count of 0 and no owners (the namespaces then count as restored and unclaimed).
 * Decoding never trusts a count or length beyond fixed bounds, so corrupt bytes give a
 * {@link SavedStateException} and never an exhausted heap.
 */
public final class SavedStateCodec {
  /** The version {@link #encode} writes unless told otherwise. */
  public static final int CURRENT_VERSION = 2;
  private static final byte[] MAGIC = "JNVMESAV".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_COUNT = 1 << 16;
  private static final int MAX_BYTES = 1 << 16;

  private SavedStateCodec() {}

  /** Encodes in the state's {@link ControllerSavedState#version() version}. */
  public static byte[] encode(ControllerSavedState s) {
    int version = s.version();
    if (version < 1 || version > CURRENT_VERSION) {
      throw new IllegalArgumentException("cannot encode format version " + version);
    }
    try {
      ByteArrayOutputStream payload = new ByteArrayOutputStream();
      DataOutputStream o = new DataOutputStream(payload);
      o.writeUTF(s.deviceId());
      o.writeUTF(s.name());
      o.writeLong(s.savedAtMillis());
      bytes(o, s.identifyController());
      o.writeLong(s.maxTransferBytes());
      o.writeInt(s.grantedIoQueues());
      o.writeInt(s.maxIoQueues());
      o.writeInt(s.cpuCount());
      o.writeInt(s.nextQid());
      if (version >= 2) {
        o.writeInt(s.fallbackCount());
      }
      block(o, s.adminData());
      queue(o, s.admin());
      o.writeInt(s.ioQueues().size());
      for (QueueState q : s.ioQueues()) {
        queue(o, q);
      }
      ints(o, s.cpuQueues());
      o.writeInt(s.namespaces().size());
      for (NamespaceState n : s.namespaces()) {
        o.writeInt(n.nsid());
        bytes(o, n.identify());
        if (version >= 2) {
          o.writeBoolean(n.owner() != null);
          if (n.owner() != null) {
            o.writeUTF(n.owner());
          }
        }
      }
      o.flush();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      DataOutputStream a = new DataOutputStream(all);
      a.write(MAGIC);
      a.writeShort(version);
      a.writeInt(payload.size());
      payload.writeTo(a);
      a.flush();
      CRC32 crc = new CRC32();
      crc.update(all.toByteArray());
      a.writeInt((int) crc.getValue());
      a.flush();
      return all.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("in-memory stream failed", e);
    }
  }

  /**
   * Decodes any version ever written.
   *
   * @throws SavedStateException CORRUPT for anything that is not a complete, intact state
   */
  public static ControllerSavedState decode(byte[] data) throws SavedStateException {
    try {
      if (data.length < MAGIC.length + 2 + 4 + 4
          || !Arrays.equals(Arrays.copyOf(data, MAGIC.length), MAGIC)) {
        throw corrupt("not a jnvme saved state (bad magic)", null);
      }
      CRC32 crc = new CRC32();
      crc.update(data, 0, data.length - 4);
      DataInputStream tail = new DataInputStream(
          new ByteArrayInputStream(data, data.length - 4, 4));
      if (tail.readInt() != (int) crc.getValue()) {
        throw corrupt("checksum mismatch", null);
      }
      DataInputStream i = new DataInputStream(new ByteArrayInputStream(data, MAGIC.length,
          data.length - MAGIC.length - 4));
      int version = i.readUnsignedShort();
      if (version < 1 || version > CURRENT_VERSION) {
        throw corrupt("unknown format version " + version + " (this driver reads 1.."
            + CURRENT_VERSION + ")", null);
      }
      int length = i.readInt();
      if (length != data.length - MAGIC.length - 2 - 4 - 4) {
        throw corrupt("payload length " + length + " does not match the data", null);
      }
      String deviceId = i.readUTF();
      String name = i.readUTF();
      long savedAt = i.readLong();
      byte[] identify = bytes(i);
      long maxTransfer = i.readLong();
      int granted = i.readInt();
      int maxIo = i.readInt();
      int cpus = i.readInt();
      int nextQid = i.readInt();
      int fallback = version >= 2 ? i.readInt() : 0;
      BlockRef adminData = block(i);
      QueueState admin = queue(i);
      int nq = count(i);
      List<QueueState> io = new ArrayList<>(nq);
      for (int k = 0; k < nq; k++) {
        io.add(queue(i));
      }
      int[] cpuQueues = ints(i);
      int nn = count(i);
      List<NamespaceState> ns = new ArrayList<>(nn);
      for (int k = 0; k < nn; k++) {
        int nsid = i.readInt();
        byte[] id = bytes(i);
        String owner = null;
        if (version >= 2 && i.readBoolean()) {
          owner = i.readUTF();
        }
        ns.add(new NamespaceState(nsid, id, owner));
      }
      if (i.available() != 0) {
        throw corrupt(i.available() + " unexpected bytes after the state", null);
      }
      return new ControllerSavedState(version, deviceId, name, savedAt, identify, maxTransfer,
          granted, maxIo, cpus, nextQid, fallback, adminData, admin, List.copyOf(io), cpuQueues,
          List.copyOf(ns));
    } catch (IOException | RuntimeException e) {
      throw corrupt("truncated or malformed: " + e, e);
    }
  }

  private static SavedStateException corrupt(String why, Throwable cause) {
    return new SavedStateException("saved state unusable: " + why,
        SavedStateException.Reason.CORRUPT, cause);
  }

  private static void bytes(DataOutputStream o, byte[] b) throws IOException {
    o.writeInt(b.length);
    o.write(b);
  }

  private static byte[] bytes(DataInputStream i) throws IOException, SavedStateException {
    int n = i.readInt();
    if (n < 0 || n > MAX_BYTES) {
      throw corrupt("byte field of length " + n, null);
    }
    byte[] b = new byte[n];
    i.readFully(b);
    return b;
  }

  private static int count(DataInputStream i) throws IOException, SavedStateException {
    int n = i.readInt();
    if (n < 0 || n > MAX_COUNT) {
      throw corrupt("count " + n + " out of range", null);
    }
    return n;
  }

  private static void ints(DataOutputStream o, int[] v) throws IOException {
    o.writeInt(v.length);
    for (int x : v) {
      o.writeInt(x);
    }
  }

  private static int[] ints(DataInputStream i) throws IOException, SavedStateException {
    int[] v = new int[count(i)];
    for (int k = 0; k < v.length; k++) {
      v[k] = i.readInt();
    }
    return v;
  }

  private static void block(DataOutputStream o, BlockRef b) throws IOException {
    o.writeUTF(b.tag());
    o.writeLong(b.size());
    o.writeLong(b.deviceAddress());
  }

  private static BlockRef block(DataInputStream i) throws IOException {
    return new BlockRef(i.readUTF(), i.readLong(), i.readLong());
  }

  private static void queue(DataOutputStream o, QueueState q) throws IOException {
    o.writeInt(q.qid());
    o.writeInt(q.cpu());
    o.writeInt(q.vector());
    o.writeInt(q.entries());
    o.writeInt(q.sqTail());
    o.writeInt(q.sqHead());
    o.writeInt(q.cqHead());
    o.writeBoolean(q.phase());
    o.writeInt(q.prpPagesPerSlot());
    block(o, q.sq());
    block(o, q.cq());
    block(o, q.prp());
    ints(o, q.generations());
    o.writeInt(q.pending().size());
    for (PendingCommand p : q.pending()) {
      o.writeInt(p.cid());
      o.writeInt(p.opcode());
      o.writeInt(p.nsid());
      o.writeBoolean(p.timedOut());
    }
  }

  private static QueueState queue(DataInputStream i) throws IOException, SavedStateException {
    int qid = i.readInt();
    int cpu = i.readInt();
    int vector = i.readInt();
    int entries = i.readInt();
    int sqTail = i.readInt();
    int sqHead = i.readInt();
    int cqHead = i.readInt();
    boolean phase = i.readBoolean();
    int prpPages = i.readInt();
    BlockRef sq = block(i);
    BlockRef cq = block(i);
    BlockRef prp = block(i);
    int[] gens = ints(i);
    int np = count(i);
    List<PendingCommand> pending = new ArrayList<>(np);
    for (int k = 0; k < np; k++) {
      pending.add(new PendingCommand(i.readInt(), i.readInt(), i.readInt(), i.readBoolean()));
    }
    if (entries < 2 || entries > 65536 || sqTail < 0 || sqTail >= entries || sqHead < 0
        || sqHead >= entries || cqHead < 0 || cqHead >= entries || gens.length != entries - 1
        || prpPages < 1 || prpPages > 64) {
      throw corrupt("queue qid=" + qid + " has inconsistent indices", null);
    }
    return new QueueState(qid, cpu, vector, entries, sqTail, sqHead, cqHead, phase, prpPages, sq,
        cq, prp, gens, List.copyOf(pending));
  }
}
