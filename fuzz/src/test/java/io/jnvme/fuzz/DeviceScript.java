package io.jnvme.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.jnvme.device.MemoryBlock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a fuzzed device does differently from the emulated controller behind it, decoded once from
 * the fuzzer's bytes before the driver starts, so that one input always means the same device:
 * register values, CSTS faults at chosen reads or after chosen completions, completion queue
 * entries changed, dropped, duplicated or reordered by their ordinal, and Identify / log page
 * bytes patched.
 */
final class DeviceScript {
  /** {@link #cstsAfterCompletion} result: every register reads all ones from then on. */
  static final int CSTS_ALL_ONES = -1;
  /** {@link #cstsAfterCompletion} bit: CSTS.RDY reads 0 from then on. */
  static final int CSTS_CLEAR_READY = 1;

  static final int ID_NAMESPACE = 0;
  static final int ID_CONTROLLER = 1;
  static final int ID_ACTIVE_LIST = 2;
  static final int ID_DESCRIPTORS = 3;
  static final int ID_OTHER = 4;
  static final int LOG_CHANGED_NS = 5;
  static final int LOG_OTHER = 6;

  /** Offsets of fields the driver interprets, per data kind; the fuzzer favours them. */
  private static final int[][] INTERESTING = {
      // Identify Namespace: NSZE, NCAP, NUSE, NSFEAT, NLBAF, FLBAS, MC, NGUID, EUI64, LBAF0..3
      {0, 4, 7, 8, 16, 24, 25, 26, 27, 104, 112, 120, 128, 130, 131, 132, 134, 136, 138, 140, 142,
          190, 191},
      // Identify Controller: VID, SN, MN, FR, MDTS, CNTLID, VER, OAES, AERL, ELPE, SQES, CQES, NN,
      // ONCS, VWC, SUBNQN
      {0, 4, 23, 24, 63, 64, 71, 77, 78, 80, 82, 92, 93, 259, 262, 512, 513, 516, 518, 519, 520,
          525, 768, 1023},
      // Active namespace list: the first entries and the 1024th
      {0, 4, 8, 12, 16, 4092},
      // Namespace identification descriptors: NIDT, NIDL, the next descriptor
      {0, 1, 4, 12, 20, 21, 24, 36, 37},
      {0},
      // Changed Namespace List: entries
      {0, 4, 8, 12, 4092},
      {0},
  };

  record CqeFault(Kind kind, int value) {
    enum Kind { NONE, CID, CID_BIT, STATUS, SQ_HEAD, DW0, DROP, DUPLICATE, WRONG_PHASE, GARBAGE,
      HOLD_BACK }
  }

  private record Patch(int kind, int occurrence, int offset, int width, long value) {}

  private final long capXor;
  private final int capTimeout;
  private final Integer vs;
  private final Integer interrupts;
  private final Map<Integer, int[]> cstsAtRead = new HashMap<>();
  private final Map<Long, Integer> cstsAtCompletion = new HashMap<>();
  private final Map<Long, CqeFault> cqeFaults = new HashMap<>();
  private final List<Patch> patches = new ArrayList<>();
  private final Map<Integer, Integer> occurrences = new HashMap<>();

  DeviceScript(FuzzedDataProvider in) {
    if (in.consumeBoolean()) {
      // MQES, CQR, AMS, DSTRD, NSSRS, CSS, BPS, MPSMIN, MPSMAX; never TO (set below).
      capXor = in.consumeLong() & 0x00FF_3FFF_0007_FFFFL;
    } else {
      capXor = 0;
    }
    capTimeout = in.consumeInt(1, 2);
    vs = in.consumeInt(0, 4) == 0 ? in.consumeInt() : null;
    interrupts = in.consumeInt(0, 4) == 0 ? in.consumeInt(-1, 6) : null;
    int n = in.consumeInt(0, 3);
    for (int i = 0; i < n; i++) {
      int read = in.consumeInt(0, 24);
      int or = in.consumeInt(0, 0x3F) & ~1;
      int clear = in.consumeBoolean() ? 1 : 0;
      cstsAtRead.put(read, new int[] {or, clear, in.consumeInt(0, 9) == 0 ? 1 : 0});
    }
    n = in.consumeInt(0, 2);
    for (int i = 0; i < n; i++) {
      long ordinal = in.consumeInt(0, 48);
      int code = switch (in.consumeInt(0, 3)) {
        case 0 -> 2; // CFS
        case 1 -> CSTS_ALL_ONES;
        case 2 -> CSTS_CLEAR_READY;
        default -> in.consumeInt(0, 0x3F) & ~0x0C; // NSSRO, PP, CFS; never SHST (see cstsAt)
      };
      cstsAtCompletion.put(ordinal, code);
    }
    n = in.consumeInt(0, 8);
    CqeFault.Kind[] kinds = CqeFault.Kind.values();
    for (int i = 0; i < n; i++) {
      long ordinal = in.consumeInt(0, 64);
      CqeFault.Kind k = kinds[in.consumeInt(1, kinds.length - 1)];
      int value = switch (k) {
        case CID, SQ_HEAD -> in.consumeInt(0, 0xFFFF);
        case STATUS -> in.consumeInt(0, 0x7FFF);
        default -> in.consumeInt();
      };
      cqeFaults.put(ordinal, new CqeFault(k, value));
    }
    n = in.consumeInt(0, 8);
    for (int i = 0; i < n; i++) {
      int kind = in.consumeInt(0, LOG_OTHER);
      int occurrence = in.consumeInt(-1, 3);
      int[] interesting = INTERESTING[kind];
      int offset = in.consumeBoolean() ? interesting[in.consumeInt(0, interesting.length - 1)]
          : in.consumeInt(0, 4095);
      int width = new int[] {1, 2, 4, 8}[in.consumeInt(0, 3)];
      patches.add(new Patch(kind, occurrence, Math.min(offset, 4096 - width), width,
          in.consumeLong()));
    }
  }

  static int identifyKind(int cns) {
    return switch (cns) {
      case 0 -> ID_NAMESPACE;
      case 1 -> ID_CONTROLLER;
      case 2 -> ID_ACTIVE_LIST;
      case 3 -> ID_DESCRIPTORS;
      default -> ID_OTHER;
    };
  }

  static int logKind(int lid) {
    return lid == 4 ? LOG_CHANGED_NS : LOG_OTHER;
  }

  long cap(long real) {
    long v = real ^ capXor;
    return (v & ~(0xFFL << 24)) | ((long) capTimeout << 24);
  }

  int vs(int real) {
    return vs == null ? real : vs;
  }

  int interruptCount(int real) {
    return interrupts == null ? real : interrupts;
  }

  /** CSTS as read the {@code read}-th time (counting from 0). */
  int csts(int read, int real) {
    int[] f = cstsAtRead.get(read);
    if (f == null) {
      return real;
    }
    if (f[2] == 1) {
      return -1;
    }
    return (real | f[0]) & ~f[1];
  }

  /** What happens to CSTS once the {@code ordinal}-th completion was delivered; 0 = nothing. */
  int cstsAfterCompletion(long ordinal) {
    return cstsAtCompletion.getOrDefault(ordinal, 0);
  }

  CqeFault cqeFault(long ordinal) {
    return cqeFaults.get(ordinal);
  }

  /** Patches the data an admin command of {@code kind} returned at {@code base} of {@code b}. */
  synchronized void patch(int kind, long ordinal, MemoryBlock b, int base) {
    int seen = occurrences.merge(kind, 1, Integer::sum) - 1;
    for (Patch p : patches) {
      if (p.kind != kind || (p.occurrence >= 0 && p.occurrence != seen)) {
        continue;
      }
      long at = base + p.offset;
      if (at + p.width > b.size()) {
        continue;
      }
      for (int i = 0; i < p.width; i++) {
        b.putByte(at + i, (byte) (p.value >>> (8 * i)));
      }
    }
  }
}
