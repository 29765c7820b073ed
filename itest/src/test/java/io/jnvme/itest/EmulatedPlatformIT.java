package io.jnvme.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jnvme.device.DmaClient;
import io.jnvme.device.DmaClientProvider;
import io.jnvme.device.MemoryBlock;
import io.jnvme.driver.NamespaceHandle;
import io.jnvme.driver.NvmeController;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

/**
 * The default platform in Felix: the jnvme bundles on the emulated transport, whose controller
 * nvme0 has namespace 1 (256 MiB) and namespace 2 (64 MiB), 512-byte blocks.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EmulatedPlatformIT extends NvmeTestSupport {
  private static final String NVME0 = "(" + NvmeController.NAME + "=nvme0)";

  @Inject private BundleContext context;

  @Configuration
  public Option[] config() {
    return platform();
  }

  /** The default platform's controller, as etc/io.jnvme.controller-nvme0.cfg configures it. */
  @Before
  public void configureNvme0() throws Exception {
    ensureDefaultController(context);
  }

  /** Holds without the driver: the set resolves and starts, and lockmem works in OSGi. */
  @Test
  public void everyBundleIsActiveAndLockmemAllocates() throws Exception {
    List<String> notActive = new ArrayList<>();
    for (Bundle b : context.getBundles()) {
      if (b.getState() != Bundle.ACTIVE && b.getHeaders().get(Constants.FRAGMENT_HOST) == null
          && !"io.jnvme.dma.pagepool".equals(b.getSymbolicName())) {
        notActive.add(b.getSymbolicName() + " state=" + b.getState());
      }
    }
    assertEquals("bundles not active", List.of(), notActive);

    DmaClientProvider lockmem = awaitService(context, DmaClientProvider.class,
        "(" + DmaClientProvider.NAME + "=lockmem)");
    ServiceReference<DmaClientProvider> ref = context.getServiceReferences(
        DmaClientProvider.class, "(" + DmaClientProvider.NAME + "=lockmem)").iterator().next();
    assertEquals(10, ref.getProperty(Constants.SERVICE_RANKING));
    assertEquals(Boolean.FALSE, ref.getProperty(DmaClientProvider.PERSISTENT));
    assertFalse(lockmem.persistent());
    DmaClient client = lockmem.clientFor("itest");
    try (MemoryBlock b = client.allocate(3 * MemoryBlock.PAGE_SIZE, "itest")) {
      assertEquals(0, b.getLong(8192));
      b.putLong(8192, 0x1122334455667788L);
      assertEquals(0x1122334455667788L, b.getLong(8192));
      assertEquals(b.deviceAddress(0) + 2L * MemoryBlock.PAGE_SIZE, b.deviceAddress(2));
    }
  }

  /** Writes 1 MiB of random data to nvme0n1 in several commands and reads it back. */
  @Test
  public void oneMebibyteRoundTripsThroughNamespace1() throws Exception {
    NvmeController nvme0 = awaitService(context, NvmeController.class, NVME0);
    byte[] data = new byte[1 << 20];
    new Random(0x6a6e766dL).nextBytes(data);
    try (NamespaceHandle ns = nvme0.open(1, "itest");
        MemoryBlock buffer = nvme0.allocateBuffer(data.length)) {
      int blockSize = ns.blockSize();
      assertEquals(512, blockSize);
      int blocks = data.length / blockSize;
      // At most 64 KiB per command, so that 1 MiB takes at least 16 commands.
      int perCommand = Math.min(ns.maxTransferBlocks(), (64 << 10) / blockSize);
      assertTrue("several commands", blocks / perCommand > 1);

      buffer.copyFrom(ByteBuffer.wrap(data), 0);
      for (int lba = 0; lba < blocks; lba += perCommand) {
        int n = Math.min(perCommand, blocks - lba);
        ns.write(lba, n, buffer, (long) lba * blockSize, false);
      }
      buffer.zero(0, data.length);
      for (int lba = 0; lba < blocks; lba += perCommand) {
        int n = Math.min(perCommand, blocks - lba);
        ns.read(lba, n, buffer, (long) lba * blockSize);
      }
      byte[] back = new byte[data.length];
      buffer.copyTo(0, ByteBuffer.wrap(back));
      assertArrayEquals(data, back);
    }
  }

  /** {@code nvme:list -o json} through Gogo lists both namespaces of nvme0. */
  @Test
  public void nvmeListJsonShowsBothNamespaces() throws Exception {
    awaitService(context, NvmeController.class, NVME0);
    CommandProcessor processor = awaitService(context, CommandProcessor.class, "");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      CommandSession session = processor.createSession(InputStream.nullInputStream(), o, e);
      try {
        session.execute("nvme:list -o json");
      } finally {
        session.close();
      }
    }
    String json = out.toString(StandardCharsets.UTF_8);
    assertTrue(json, json.trim().startsWith("{"));
    assertTrue(json, Pattern.compile("\"Controller\": \"nvme0\"").matcher(json).find());
    assertTrue(json, json.contains("\"NameSpace\": \"nvme0n1\""));
    assertTrue(json, json.contains("\"NameSpace\": \"nvme0n2\""));
    assertTrue(json, json.contains("\"PhysicalSize\": 268435456"));
    assertTrue(json, json.contains("\"PhysicalSize\": 67108864"));
    assertTrue(json, json.contains("\"SectorSize\": 512"));
  }
}
