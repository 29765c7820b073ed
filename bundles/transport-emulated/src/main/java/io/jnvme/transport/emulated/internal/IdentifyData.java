package io.jnvme.transport.emulated.internal;

import io.jnvme.spec.IdentifyController;
import io.jnvme.spec.IdentifyNamespace;
import io.jnvme.spec.LbaFormat;
import io.jnvme.spec.NamespaceIdDescriptorList;
import io.jnvme.spec.Sqe;
import io.jnvme.spec.Cqe;
import io.jnvme.spec.Vs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Builds the Identify data structures of the emulated controller. */
final class IdentifyData {
  /** Controller ID: a single-controller subsystem, so any fixed value is unique; 0 is avoided. */
  static final int CNTLID = 1;
  /** CNTRLTYPE 1h: I/O controller (Base spec 2.0 requires a type). */
  private static final int CNTRLTYPE_IO = 1;
  /** RAB: recommended arbitration burst 2^6 commands, a typical device value. */
  private static final int RAB = 6;
  /** FRMW: one firmware slot (bits 3:1 = 1), slot 1 read only (bit 0). */
  private static final int FRMW = 0x03;
  /** LPA bit 0: SMART log per namespace; bit 2: extended Get Log Page data (NUMDU, offsets). */
  private static final int LPA = 0x01 | 0x04;
  /** VWC: present (bit 0), Flush with NSID FFFFFFFFh supported (bits 2:1 = 11b). */
  private static final int VWC = 0x07;
  /** Offset of Power State Descriptor 0 in Identify Controller (Base spec 2.0, Figure 275). */
  private static final int PSD0_OFFSET = 2048;
  /** PSD0 Maximum Power, in centiwatts: 9 W, a plausible M.2 device. */
  private static final int PSD0_MAX_POWER_CW = 900;
  /**
   * DLFEAT: deallocated blocks read as zeros (bits 2:0 = 001b) and Write Zeroes may deallocate
   * (bit 3).
   */
  private static final int DLFEAT = 0x01 | 0x08;

  private IdentifyData() {}

  static byte[] controller(ControllerConfig cfg, Vs vs) {
    byte[] page = new byte[IdentifyController.SIZE];
    ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
    IdentifyController id = new IdentifyController().wrap(b, 0);
    id.vid(cfg.vendorId()).ssvid(cfg.vendorId())
        .sn(cfg.serialNumber()).mn(cfg.modelNumber()).fr(cfg.firmwareRevision())
        .mdts(cfg.mdts()).cntlid(CNTLID).ver(vs)
        .oaes(IdentifyController.OAES_NAMESPACE_ATTRIBUTE_NOTICES)
        .oacs(0).aerl(Constants.AERL).lpa(LPA).elpe(Constants.ELPE)
        .sqes((Sqe.SIZE_LOG2 << 4) | Sqe.SIZE_LOG2)
        .cqes((Cqe.SIZE_LOG2 << 4) | Cqe.SIZE_LOG2)
        .nn(Integer.toUnsignedLong(cfg.maxNamespaceId()))
        .oncs(IdentifyController.ONCS_DSM | IdentifyController.ONCS_WRITE_ZEROES)
        .vwc(VWC)
        .subnqn(Constants.NQN_PREFIX + cfg.name());
    b.put(IdentifyController.RAB_OFFSET, (byte) RAB);
    b.put(IdentifyController.CNTRLTYPE_OFFSET, (byte) CNTRLTYPE_IO);
    b.put(IdentifyController.ACL_OFFSET, (byte) Constants.ACL);
    b.put(IdentifyController.FRMW_OFFSET, (byte) FRMW);
    b.put(IdentifyController.NPSS_OFFSET, (byte) 0);
    b.putShort(IdentifyController.WCTEMP_OFFSET, (short) Constants.WCTEMP_KELVIN);
    b.putShort(IdentifyController.CCTEMP_OFFSET, (short) Constants.CCTEMP_KELVIN);
    b.putShort(PSD0_OFFSET, (short) PSD0_MAX_POWER_CW);
    return page;
  }

  /**
   * The LBA formats a namespace offers: 512 and 4096 bytes, and the configured size if it is
   * neither. FLBAS selects the configured one.
   */
  static List<Integer> lbaSizes(int configured) {
    List<Integer> l = new ArrayList<>(List.of(512, 4096));
    if (!l.contains(configured)) {
      l.add(configured);
    }
    return l;
  }

  static byte[] namespace(ActiveNamespace a) {
    byte[] page = new byte[IdentifyNamespace.SIZE];
    ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
    IdentifyNamespace id = new IdentifyNamespace().wrap(b, 0);
    long blocks = a.ns.blockCount();
    int lba = a.ns.lbaSize();
    List<Integer> sizes = lbaSizes(lba);
    id.nsze(blocks).ncap(blocks).nuse(blocks).nsfeat(0)
        .nlbafZ(sizes.size() - 1).flbas(sizes.indexOf(lba))
        .nguid(a.nguid).eui64(a.eui64);
    for (int i = 0; i < sizes.size(); i++) {
      int s = sizes.get(i);
      // Relative Performance: 4 KiB blocks best (0), others good (1), as flash devices report.
      id.lbaf(i, LbaFormat.of(0, Integer.numberOfTrailingZeros(s), s == 4096 ? 0 : 1));
    }
    b.put(IdentifyNamespace.DLFEAT_OFFSET, (byte) DLFEAT);
    // NVMCAP, 16 bytes: the capacity in bytes.
    b.putLong(IdentifyNamespace.NVMCAP_OFFSET, blocks * lba);
    return page;
  }

  static byte[] descriptors(ActiveNamespace a) {
    byte[] page = new byte[NamespaceIdDescriptorList.SIZE];
    NamespaceIdDescriptorList l = new NamespaceIdDescriptorList()
        .wrap(ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN), 0);
    int at = l.put(0, NamespaceIdDescriptorList.NIDT_EUI64, a.eui64);
    at = l.put(at, NamespaceIdDescriptorList.NIDT_NGUID, a.nguid);
    at = l.put(at, NamespaceIdDescriptorList.NIDT_UUID, a.uuid);
    // CSI 00h: the NVM command set.
    l.put(at, NamespaceIdDescriptorList.NIDT_CSI, new byte[] {0});
    return page;
  }
}
