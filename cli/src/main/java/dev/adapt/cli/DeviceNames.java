package dev.adapt.cli;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of what an emulation creates on the host, all carrying the PID of the process that made
 * them: two emulations never collide, and leftovers of one that was killed (no shutdown hook runs
 * on SIGKILL) can be told apart from live ones by whether that PID still runs.
 *
 * @param owner PID of the emulating process
 */
record DeviceNames(long owner) {
  private static final Pattern NAMESPACE = Pattern.compile("adapt-(\\d+)-dev\\d+");
  private static final Pattern BRIDGE = Pattern.compile("adaptbr(\\d+)");

  static DeviceNames ofThisProcess() {
    return new DeviceNames(ProcessHandle.current().pid());
  }

  /** The network namespace and cgroup of device {@code index}. */
  String namespace(int index) {
    return "adapt-" + owner + "-dev" + index;
  }

  /** The host end of device {@code index}'s veth pair (interface names have 15 characters). */
  String hostInterface(int index) {
    return "adv" + owner + "d" + index;
  }

  String bridge() {
    return "adaptbr" + owner;
  }

  long seed() {
    return owner;
  }

  /** The owner of a namespace or cgroup name made by {@link #namespace}, if it is one. */
  static Optional<Long> ownerOfNamespace(String name) {
    return owner(NAMESPACE, name);
  }

  /** The owner of a bridge name made by {@link #bridge}, if it is one. */
  static Optional<Long> ownerOfBridge(String name) {
    return owner(BRIDGE, name);
  }

  private static Optional<Long> owner(Pattern pattern, String name) {
    Matcher m = pattern.matcher(name);
    return m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
  }

  /** Whether {@code pid} no longer runs, so that what it named is left over. */
  static boolean gone(long pid) {
    return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
  }
}
