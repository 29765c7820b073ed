package io.jnvme.transport.vfio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * JNA is used only in {@code io.jnvme.transport.vfio.internal.jna} (STYLE practice 7): no other
 * compiled class of the bundle names a {@code com.sun.jna} type.
 */
class NativeConfinementTest {
  @Test
  void onlyTheJnaPackageReferencesJna() throws IOException, URISyntaxException {
    Path classes = Path.of(VfioDevice.class.getProtectionDomain().getCodeSource().getLocation()
        .toURI());
    Path jnaPackage = classes.resolve("io/jnvme/transport/vfio/internal/jna");
    List<Path> all;
    try (Stream<Path> s = Files.walk(classes)) {
      all = s.filter(p -> p.toString().endsWith(".class")).toList();
    }
    assertTrue(all.size() > 20, "the bundle's classes were found: " + all.size());
    List<String> offenders = all.stream()
        .filter(p -> !p.startsWith(jnaPackage))
        .filter(NativeConfinementTest::mentionsJna)
        .map(p -> classes.relativize(p).toString())
        .toList();
    assertEquals(List.of(), offenders);
    assertTrue(all.stream().filter(p -> p.startsWith(jnaPackage))
        .anyMatch(NativeConfinementTest::mentionsJna), "the check can see a JNA reference");
  }

  private static boolean mentionsJna(Path classFile) {
    try {
      return new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1)
          .contains("com/sun/jna");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
