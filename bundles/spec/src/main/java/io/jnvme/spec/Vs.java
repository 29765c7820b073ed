package io.jnvme.spec;

/**
 * VS, Version (Base spec 2.0, §3.1.4.2).
 *
 * @param raw the 32-bit register value
 */
public record Vs(int raw) {
  /** NVMe 2.0.0. */
  public static final Vs V2_0 = of(2, 0, 0);

  /** Major version (bits 31:16). */
  public int major() {
    return raw >>> 16;
  }

  /** Minor version (bits 15:8). */
  public int minor() {
    return (raw >>> 8) & 0xFF;
  }

  /** Tertiary version (bits 7:0). */
  public int tertiary() {
    return raw & 0xFF;
  }

  /** Builds a version value. */
  public static Vs of(int major, int minor, int tertiary) {
    return new Vs((major << 16) | ((minor & 0xFF) << 8) | (tertiary & 0xFF));
  }

  @Override
  public String toString() {
    return major() + "." + minor() + "." + tertiary();
  }
}
