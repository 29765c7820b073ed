package io.jnvme.manager.naming;

import java.math.BigInteger;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Every name a {@link Topology} yields: controllers {@code nvme<C>}, subsystems
 * {@code nvme-subsys<S>}, namespace block devices ({@code nvme<S>n<H>}, or {@code nvme<C>n<H>}
 * with multipath off), hidden per-path devices {@code nvme<S>c<C>n<H>} and generic character
 * devices {@code ng...}.
 *
 * @param instancesInUse the numbers allocated in the shared controller and subsystem pool, by
 *     live controllers, by controllers something still holds, and by subsystems
 * @param controllers live controllers, by instance
 * @param subsystems subsystems, by instance
 * @param disks namespace devices, in natural name order
 * @since 1.0
 */
public record NameTable(
    SortedSet<Integer> instancesInUse,
    List<ControllerName> controllers,
    List<SubsystemName> subsystems,
    List<DiskName> disks) {

  /** Orders names by their text with runs of digits compared as numbers (nvme2 before nvme10). */
  public static final Comparator<String> NATURAL_ORDER = NameTable::compareNatural;

  public NameTable {
    instancesInUse = Collections.unmodifiableSortedSet(new TreeSet<>(instancesInUse));
    controllers = List.copyOf(controllers);
    subsystems = List.copyOf(subsystems);
    disks = List.copyOf(disks);
  }

  /**
   * A live controller.
   *
   * @param name {@code nvme<C>}
   * @param instance C
   * @param key the caller's key for the controller object
   * @param subsystem the subsystem's name, or null before the first Identify
   */
  public record ControllerName(String name, int instance, String key, String subsystem) {}

  /**
   * A subsystem.
   *
   * @param name {@code nvme-subsys<S>}
   * @param instance S
   * @param nqn subsystem NQN (possibly synthetic)
   * @param controllers names of its live controllers
   */
  public record SubsystemName(String name, int instance, String nqn, List<String> controllers) {
    public SubsystemName {
      controllers = List.copyOf(controllers);
    }
  }

  /**
   * A namespace block device.
   *
   * @param name the block device name
   * @param charDevice the generic character device name, or null for a hidden path
   * @param hidden a per-path device of a multipath namespace: visible to tools that walk the
   *     topology, never openable
   * @param subsystem subsystem instance S
   * @param head namespace head instance H (not the NSID)
   * @param nsid the NSID
   * @param controllers names of the live controllers this device reaches the namespace through
   * @param aliases {@link StableAliases} of the namespace; empty for hidden paths
   */
  public record DiskName(
      String name,
      String charDevice,
      boolean hidden,
      int subsystem,
      int head,
      int nsid,
      List<String> controllers,
      List<String> aliases) {
    public DiskName {
      controllers = List.copyOf(controllers);
      aliases = List.copyOf(aliases);
    }
  }

  /** Names of the live controllers. */
  public List<String> controllerNames() {
    return controllers.stream().map(ControllerName::name).toList();
  }

  /** Names of the subsystems. */
  public List<String> subsystemNames() {
    return subsystems.stream().map(SubsystemName::name).toList();
  }

  /** Names of the block devices users can open, without the hidden paths. */
  public List<String> diskNames() {
    return disks.stream().filter(d -> !d.hidden()).map(DiskName::name).toList();
  }

  /** Names of the hidden per-path devices. */
  public List<String> hiddenDiskNames() {
    return disks.stream().filter(DiskName::hidden).map(DiskName::name).toList();
  }

  /** Names of the generic character devices. */
  public List<String> charDeviceNames() {
    return disks.stream().map(DiskName::charDevice).filter(n -> n != null)
        .sorted(NATURAL_ORDER).toList();
  }

  /** The device named {@code name}, hidden or not. */
  public Optional<DiskName> disk(String name) {
    return disks.stream().filter(d -> d.name().equals(name)).findFirst();
  }

  /**
   * The visible devices that carry {@code alias}; more than one only when multipath is off and a
   * shared namespace is reached through several controllers.
   */
  public List<DiskName> byAlias(String alias) {
    return disks.stream().filter(d -> d.aliases().contains(alias)).toList();
  }

  private static int compareNatural(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (Character.isDigit(ca) && Character.isDigit(cb)) {
        int ei = i;
        while (ei < a.length() && Character.isDigit(a.charAt(ei))) {
          ei++;
        }
        int ej = j;
        while (ej < b.length() && Character.isDigit(b.charAt(ej))) {
          ej++;
        }
        int c = new BigInteger(a.substring(i, ei))
            .compareTo(new BigInteger(b.substring(j, ej)));
        if (c != 0) {
          return c;
        }
        i = ei;
        j = ej;
      } else {
        if (ca != cb) {
          return Character.compare(ca, cb);
        }
        i++;
        j++;
      }
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
