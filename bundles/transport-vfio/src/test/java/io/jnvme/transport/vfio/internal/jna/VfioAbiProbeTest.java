package io.jnvme.transport.vfio.internal.jna;

import static io.jnvme.transport.vfio.internal.jna.Ioctls.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jnvme.transport.vfio.internal.jna.VfioLayouts.CapHeader;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.DeviceInfo;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.DmaMap;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.DmaUnmap;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.GroupStatus;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.IovaRange;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.IovaRangeCap;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.IrqInfo;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.IrqSet;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.RegionInfo;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.SparseMmapArea;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.SparseMmapCap;
import io.jnvme.transport.vfio.internal.jna.VfioLayouts.Type1Info;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks every structure size, field offset, ioctl number and flag the transport uses against the
 * installed kernel header: compiles {@code vfio_abi_probe.c} with gcc against linux/vfio.h (Debian:
 * {@code gcc}, {@code libc6-dev}, {@code linux-libc-dev}), runs it, and compares each line it
 * prints with the Java constant of the same name. Without gcc or the headers the test is skipped
 * with a warning, except under {@code CI=true}, where it fails.
 */
class VfioAbiProbeTest {
  private static final String PROBE = "vfio_abi_probe.c";

  @TempDir
  Path dir;

  /** What Java says, under the names the probe prints. */
  static Map<String, Long> javaValues() {
    Map<String, Long> m = new LinkedHashMap<>();
    struct(m, "vfio_info_cap_header", CapHeader.SIZE, "id", CapHeader.ID_OFFSET, "version",
        CapHeader.VERSION_OFFSET, "next", CapHeader.NEXT_OFFSET);
    struct(m, "vfio_group_status", GroupStatus.SIZE, "argsz", GroupStatus.ARGSZ_OFFSET, "flags",
        GroupStatus.FLAGS_OFFSET);
    // vfio_device_info's size is checked apart: newer headers pad it after cap_offset.
    struct(m, "vfio_device_info", -1, "argsz", DeviceInfo.ARGSZ_OFFSET, "flags",
        DeviceInfo.FLAGS_OFFSET, "num_regions", DeviceInfo.NUM_REGIONS_OFFSET, "num_irqs",
        DeviceInfo.NUM_IRQS_OFFSET, "cap_offset", DeviceInfo.CAP_OFFSET_OFFSET);
    struct(m, "vfio_region_info", RegionInfo.SIZE, "argsz", RegionInfo.ARGSZ_OFFSET, "flags",
        RegionInfo.FLAGS_OFFSET, "index", RegionInfo.INDEX_OFFSET, "cap_offset",
        RegionInfo.CAP_OFFSET_OFFSET, "size", RegionInfo.SIZE_OFFSET, "offset",
        RegionInfo.OFFSET_OFFSET);
    struct(m, "vfio_region_info_cap_sparse_mmap", SparseMmapCap.SIZE, "header",
        SparseMmapCap.HEADER_OFFSET, "nr_areas", SparseMmapCap.NR_AREAS_OFFSET, "areas",
        SparseMmapCap.AREAS_OFFSET);
    struct(m, "vfio_region_sparse_mmap_area", SparseMmapArea.SIZE, "offset",
        SparseMmapArea.OFFSET_OFFSET, "size", SparseMmapArea.SIZE_OFFSET);
    struct(m, "vfio_irq_info", IrqInfo.SIZE, "argsz", IrqInfo.ARGSZ_OFFSET, "flags",
        IrqInfo.FLAGS_OFFSET, "index", IrqInfo.INDEX_OFFSET, "count", IrqInfo.COUNT_OFFSET);
    struct(m, "vfio_irq_set", IrqSet.SIZE, "argsz", IrqSet.ARGSZ_OFFSET, "flags",
        IrqSet.FLAGS_OFFSET, "index", IrqSet.INDEX_OFFSET, "start", IrqSet.START_OFFSET, "count",
        IrqSet.COUNT_OFFSET, "data", IrqSet.DATA_OFFSET);
    struct(m, "vfio_iommu_type1_info", Type1Info.SIZE, "argsz", Type1Info.ARGSZ_OFFSET, "flags",
        Type1Info.FLAGS_OFFSET, "iova_pgsizes", Type1Info.IOVA_PGSIZES_OFFSET, "cap_offset",
        Type1Info.CAP_OFFSET_OFFSET);
    struct(m, "vfio_iommu_type1_info_cap_iova_range", IovaRangeCap.SIZE, "header",
        IovaRangeCap.HEADER_OFFSET, "nr_iovas", IovaRangeCap.NR_IOVAS_OFFSET, "iova_ranges",
        IovaRangeCap.IOVA_RANGES_OFFSET);
    struct(m, "vfio_iova_range", IovaRange.SIZE, "start", IovaRange.START_OFFSET, "end",
        IovaRange.END_OFFSET);
    struct(m, "vfio_iommu_type1_dma_map", DmaMap.SIZE, "argsz", DmaMap.ARGSZ_OFFSET, "flags",
        DmaMap.FLAGS_OFFSET, "vaddr", DmaMap.VADDR_OFFSET, "iova", DmaMap.IOVA_OFFSET, "size",
        DmaMap.SIZE_OFFSET);
    struct(m, "vfio_iommu_type1_dma_unmap", DmaUnmap.SIZE, "argsz", DmaUnmap.ARGSZ_OFFSET,
        "flags", DmaUnmap.FLAGS_OFFSET, "iova", DmaUnmap.IOVA_OFFSET, "size",
        DmaUnmap.SIZE_OFFSET);
    struct(m, "pollfd", LibC.POLLFD_SIZE, "fd", LibC.POLLFD_FD_OFFSET, "events",
        LibC.POLLFD_EVENTS_OFFSET, "revents", LibC.POLLFD_REVENTS_OFFSET);

    c(m, "VFIO_TYPE", VFIO_TYPE);
    c(m, "VFIO_BASE", VFIO_BASE);
    c(m, "VFIO_API_VERSION", VFIO_API_VERSION);
    c(m, "VFIO_GET_API_VERSION", VFIO_GET_API_VERSION);
    c(m, "VFIO_CHECK_EXTENSION", VFIO_CHECK_EXTENSION);
    c(m, "VFIO_SET_IOMMU", VFIO_SET_IOMMU);
    c(m, "VFIO_GROUP_GET_STATUS", VFIO_GROUP_GET_STATUS);
    c(m, "VFIO_GROUP_SET_CONTAINER", VFIO_GROUP_SET_CONTAINER);
    c(m, "VFIO_GROUP_GET_DEVICE_FD", VFIO_GROUP_GET_DEVICE_FD);
    c(m, "VFIO_DEVICE_GET_INFO", VFIO_DEVICE_GET_INFO);
    c(m, "VFIO_DEVICE_GET_REGION_INFO", VFIO_DEVICE_GET_REGION_INFO);
    c(m, "VFIO_DEVICE_GET_IRQ_INFO", VFIO_DEVICE_GET_IRQ_INFO);
    c(m, "VFIO_DEVICE_SET_IRQS", VFIO_DEVICE_SET_IRQS);
    c(m, "VFIO_DEVICE_RESET", VFIO_DEVICE_RESET);
    c(m, "VFIO_IOMMU_GET_INFO", VFIO_IOMMU_GET_INFO);
    c(m, "VFIO_IOMMU_MAP_DMA", VFIO_IOMMU_MAP_DMA);
    c(m, "VFIO_IOMMU_UNMAP_DMA", VFIO_IOMMU_UNMAP_DMA);
    c(m, "_IOW(VFIO_TYPE,VFIO_BASE+1,__u32)", iow(VFIO_TYPE, VFIO_BASE + 1, 4));
    // Unsigned in C: bit 31 is the read direction.
    m.put("const _IOR(VFIO_TYPE,VFIO_BASE+3,struct_vfio_group_status)",
        Integer.toUnsignedLong(ior(VFIO_TYPE, VFIO_BASE + 3, GroupStatus.SIZE)));
    c(m, "VFIO_TYPE1_IOMMU", VFIO_TYPE1_IOMMU);
    c(m, "VFIO_TYPE1v2_IOMMU", VFIO_TYPE1v2_IOMMU);
    c(m, "VFIO_NOIOMMU_IOMMU", VFIO_NOIOMMU_IOMMU);
    c(m, "VFIO_GROUP_FLAGS_VIABLE", VFIO_GROUP_FLAGS_VIABLE);
    c(m, "VFIO_GROUP_FLAGS_CONTAINER_SET", VFIO_GROUP_FLAGS_CONTAINER_SET);
    c(m, "VFIO_DEVICE_FLAGS_RESET", VFIO_DEVICE_FLAGS_RESET);
    c(m, "VFIO_DEVICE_FLAGS_PCI", VFIO_DEVICE_FLAGS_PCI);
    c(m, "VFIO_REGION_INFO_FLAG_READ", VFIO_REGION_INFO_FLAG_READ);
    c(m, "VFIO_REGION_INFO_FLAG_WRITE", VFIO_REGION_INFO_FLAG_WRITE);
    c(m, "VFIO_REGION_INFO_FLAG_MMAP", VFIO_REGION_INFO_FLAG_MMAP);
    c(m, "VFIO_REGION_INFO_FLAG_CAPS", VFIO_REGION_INFO_FLAG_CAPS);
    c(m, "VFIO_REGION_INFO_CAP_SPARSE_MMAP", VFIO_REGION_INFO_CAP_SPARSE_MMAP);
    c(m, "VFIO_REGION_INFO_CAP_MSIX_MAPPABLE", VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
    c(m, "VFIO_PCI_BAR0_REGION_INDEX", VFIO_PCI_BAR0_REGION_INDEX);
    c(m, "VFIO_PCI_BAR5_REGION_INDEX", VFIO_PCI_BAR5_REGION_INDEX);
    c(m, "VFIO_PCI_CONFIG_REGION_INDEX", VFIO_PCI_CONFIG_REGION_INDEX);
    c(m, "VFIO_PCI_MSIX_IRQ_INDEX", VFIO_PCI_MSIX_IRQ_INDEX);
    c(m, "VFIO_IRQ_INFO_EVENTFD", VFIO_IRQ_INFO_EVENTFD);
    c(m, "VFIO_IRQ_INFO_NORESIZE", VFIO_IRQ_INFO_NORESIZE);
    c(m, "VFIO_IRQ_SET_DATA_NONE", VFIO_IRQ_SET_DATA_NONE);
    c(m, "VFIO_IRQ_SET_DATA_EVENTFD", VFIO_IRQ_SET_DATA_EVENTFD);
    c(m, "VFIO_IRQ_SET_ACTION_TRIGGER", VFIO_IRQ_SET_ACTION_TRIGGER);
    c(m, "VFIO_IOMMU_INFO_PGSIZES", VFIO_IOMMU_INFO_PGSIZES);
    c(m, "VFIO_IOMMU_INFO_CAPS", VFIO_IOMMU_INFO_CAPS);
    c(m, "VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE", VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
    c(m, "VFIO_DMA_MAP_FLAG_READ", VFIO_DMA_MAP_FLAG_READ);
    c(m, "VFIO_DMA_MAP_FLAG_WRITE", VFIO_DMA_MAP_FLAG_WRITE);
    c(m, "O_RDWR", LibC.O_RDWR);
    c(m, "O_CLOEXEC", LibC.O_CLOEXEC);
    c(m, "PROT_READ", LibC.PROT_READ);
    c(m, "PROT_WRITE", LibC.PROT_WRITE);
    c(m, "MAP_SHARED", LibC.MAP_SHARED);
    c(m, "MAP_PRIVATE", LibC.MAP_PRIVATE);
    c(m, "MAP_ANONYMOUS", LibC.MAP_ANONYMOUS);
    c(m, "MREMAP_MAYMOVE", LibC.MREMAP_MAYMOVE);
    c(m, "MREMAP_FIXED", LibC.MREMAP_FIXED);
    c(m, "EFD_NONBLOCK", LibC.EFD_NONBLOCK);
    c(m, "EFD_CLOEXEC", LibC.EFD_CLOEXEC);
    c(m, "POLLIN", LibC.POLLIN);
    return m;
  }

  private static void struct(Map<String, Long> m, String name, int size, Object... fields) {
    if (size >= 0) {
      m.put("sizeof " + name, (long) size);
    }
    for (int i = 0; i < fields.length; i += 2) {
      m.put("offsetof " + name + "." + fields[i], ((Integer) fields[i + 1]).longValue());
    }
  }

  private static void c(Map<String, Long> m, String name, long value) {
    m.put("const " + name, value);
  }

  @Test
  void theJavaLayoutsAndNumbersMatchTheKernelHeader() throws Exception {
    Map<String, Long> c = probe();
    Map<String, Long> java = javaValues();
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, Long> e : java.entrySet()) {
      Long cv = c.get(e.getKey());
      if (cv == null) {
        wrong.add(e.getKey() + ": the probe does not print it");
      } else if (!cv.equals(e.getValue())) {
        wrong.add(e.getKey() + ": C " + cv + ", Java " + e.getValue());
      }
    }
    TreeSet<String> unchecked = new TreeSet<>(c.keySet());
    unchecked.removeAll(java.keySet());
    unchecked.remove("sizeof vfio_device_info");
    for (String k : unchecked) {
      wrong.add(k + ": printed by the probe but has no Java counterpart");
    }
    // The kernel needs argsz to reach the end of cap_offset; a newer header's trailing padding
    // may make sizeof larger.
    long deviceInfoSize = c.get("sizeof vfio_device_info");
    if (deviceInfoSize < DeviceInfo.SIZE
        || c.get("offsetof vfio_device_info.cap_offset") + 4 != DeviceInfo.SIZE) {
      wrong.add("vfio_device_info: sizeof " + deviceInfoSize + ", Java SIZE " + DeviceInfo.SIZE);
    }
    assertTrue(wrong.isEmpty(), "Java and linux/vfio.h disagree:\n" + String.join("\n", wrong));
    assertEquals(java.size() + 1, c.size(), "one line per Java value, plus vfio_device_info");
  }

  /** Compiles and runs the probe; the name-value pairs it prints. */
  private Map<String, Long> probe() throws IOException, InterruptedException {
    Path source = dir.resolve(PROBE);
    try (InputStream in = VfioAbiProbeTest.class.getResourceAsStream(PROBE)) {
      Files.copy(in, source);
    }
    String gcc = findCompiler();
    if (gcc == null) {
      prerequisiteMissing("gcc not found on PATH");
    }
    Path exe = dir.resolve("vfio_abi_probe");
    Result compiled = run(List.of(gcc, "-std=c11", "-Wall", "-Werror", "-o", exe.toString(),
        source.toString()));
    if (compiled.code != 0) {
      if (compiled.output.contains("No such file or directory")) {
        prerequisiteMissing("a header is missing (install libc6-dev and linux-libc-dev):\n"
            + compiled.output);
      }
      fail("the probe does not compile:\n" + compiled.output);
    }
    Result ran = run(List.of(exe.toString()));
    assertEquals(0, ran.code, ran.output);
    Map<String, Long> values = new LinkedHashMap<>();
    for (String line : ran.output.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      values.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
    }
    return values;
  }

  private static void prerequisiteMissing(String why) {
    String message = "VfioAbiProbeTest cannot check the VFIO ABI: " + why;
    if ("true".equals(System.getenv("CI"))) {
      fail(message + " (CI=true: gcc, libc6-dev and linux-libc-dev are required)");
    }
    System.err.println("WARNING: " + message + "; SKIPPED (set CI=true to make this fail)");
    Assumptions.abort(message);
  }

  private static String findCompiler() {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String name : List.of("gcc", "cc")) {
      for (String d : path.split(":")) {
        Path p = Path.of(d.isEmpty() ? "." : d, name);
        if (Files.isExecutable(p)) {
          return p.toString();
        }
      }
    }
    return null;
  }

  private record Result(int code, String output) {}

  private Result run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(command + " did not finish within 60 s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
