package io.jnvme.driver.savestate;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the saved-state fixtures from {@link SavedStateCodecTest#sample}. Run by hand when a
 * format version is added, and commit the new fixture; old fixtures are never rewritten.
 */
public final class FixtureWriter {
  private FixtureWriter() {}

  /** @param args the fixture directory and the version to write */
  public static void main(String[] args) throws Exception {
    int version = Integer.parseInt(args[1]);
    Files.write(Path.of(args[0], "v" + version + "-fixture.bin"),
        SavedStateCodec.encode(SavedStateCodecTest.sample(version)));
  }
}
