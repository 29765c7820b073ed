package io.jnvme.transport.vfio.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * An unprivileged (or privileged) user as the tests describe it, whatever user runs them: access
 * is decided from the node's owner and mode bits, as the kernel does without ACLs.
 */
record FakeCredentials(int uid, Set<Integer> gids, Set<Integer> capabilities, long memlockLimit)
    implements Credentials {

  /** uid 1000, group 1000, no capabilities, memlock unlimited. */
  static FakeCredentials user() {
    return new FakeCredentials(1000, Set.of(1000), Set.of(), UNLIMITED);
  }

  FakeCredentials withMemlock(long limit) {
    return new FakeCredentials(uid, gids, capabilities, limit);
  }

  FakeCredentials withCapabilities(Integer... caps) {
    return new FakeCredentials(uid, gids, Set.of(caps), memlockLimit);
  }

  @Override
  public boolean hasCapability(int capability) {
    return capabilities.contains(capability);
  }

  @Override
  public boolean mayReadWrite(Path node) {
    if (hasCapability(CAP_DAC_OVERRIDE)) {
      return true;
    }
    try {
      int owner = (Integer) Files.getAttribute(node, "unix:uid");
      int group = (Integer) Files.getAttribute(node, "unix:gid");
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(node);
      if (owner == uid) {
        return p.contains(PosixFilePermission.OWNER_READ)
            && p.contains(PosixFilePermission.OWNER_WRITE);
      }
      if (gids.contains(group)) {
        return p.contains(PosixFilePermission.GROUP_READ)
            && p.contains(PosixFilePermission.GROUP_WRITE);
      }
      return p.contains(PosixFilePermission.OTHERS_READ)
          && p.contains(PosixFilePermission.OTHERS_WRITE);
    } catch (IOException e) {
      return false;
    }
  }
}
