package io.jnvme.transport.vfio.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steers an MSI-X vector's host interrupt to a CPU, so that the completion thread of a queue and
 * the interrupt that wakes it meet on the same CPU. VFIO names its interrupts
 * {@code vfio-msix[N](DDDD:BB:DD.F)} in {@code /proc/interrupts}; the CPU is written to
 * {@code /proc/irq/IRQ/smp_affinity_list}. That needs root, and irqbalance may move it again:
 * failure is logged once and otherwise ignored, since delivery works on any CPU.
 */
final class IrqAffinity {
  private static final Logger LOG = LoggerFactory.getLogger(IrqAffinity.class);

  private final Path procRoot;
  private final PciAddress address;
  private volatile boolean warned;

  IrqAffinity(Path procRoot, PciAddress address) {
    this.procRoot = procRoot;
    this.address = address;
  }

  /** Sets the vector's affinity; returns true if it was written. */
  boolean apply(int vector, int cpu) {
    int irq = irqOf(vector);
    if (irq < 0) {
      warnOnce("no line for vfio-msix[" + vector + "](" + address + ") in "
          + procRoot.resolve("interrupts"));
      return false;
    }
    Path file = procRoot.resolve("irq").resolve(Integer.toString(irq)).resolve(
        "smp_affinity_list");
    try {
      Files.writeString(file, Integer.toString(cpu), StandardCharsets.US_ASCII);
      LOG.debug("device={} vector={} irq={} -> cpu {}", address, vector, irq, cpu);
      return true;
    } catch (IOException | RuntimeException e) {
      warnOnce("cannot write " + file + ": " + e);
      return false;
    }
  }

  /** The host IRQ number of a vector, from /proc/interrupts, or -1. */
  int irqOf(int vector) {
    String name = "vfio-msix[" + vector + "](" + address + ")";
    List<String> lines;
    try {
      lines = Files.readAllLines(procRoot.resolve("interrupts"), StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon <= 0 || !line.stripTrailing().endsWith(name)) {
        continue;
      }
      try {
        return Integer.parseInt(line.substring(0, colon).trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
  }

  private void warnOnce(String what) {
    if (!warned) {
      warned = true;
      LOG.info("device={}: interrupt affinity not set ({}); interrupts arrive on any CPU",
          address, what);
    }
  }
}
