package dev.adapt.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * One weak device on this machine: a network namespace with its own address on the emulation's
 * bridge and a shaped link ({@link DeviceNetwork}), and a CPU quota that also counts its CPU time
 * ({@link CpuQuota}). Programs run on it through {@link #wrap}.
 */
final class EmulatedDevice implements AutoCloseable {
  private final int index;
  private final DeviceNetwork.DeviceLink link;
  private final CpuQuota quota;

  EmulatedDevice(int index, DeviceNetwork.DeviceLink link, CpuQuota quota) {
    this.index = index;
    this.link = link;
    this.quota = quota;
  }

  int index() {
    return index;
  }

  /** The device's address on the bridge. */
  String address() {
    return link.address();
  }

  DeviceNetwork.DeviceLink link() {
    return link;
  }

  CpuQuota quota() {
    return quota;
  }

  /**
   * {@code command} run on this device: a shell joins the device's cgroups, then {@code exec}s
   * {@code ip netns exec}, which {@code exec}s the command; the program therefore keeps the shell's
   * PID (what the caller's {@link Process} knows) and is limited from its first instruction.
   */
  List<String> wrap(List<String> command) {
    List<String> wrapped = new ArrayList<>();
    wrapped.add("sh");
    wrapped.add("-c");
    wrapped.add(
        quota.joinCommand()
            + " && exec "
            + String.join(" ", DeviceNetwork.enter(link))
            + " \"$@\"");
    wrapped.add("sh");
    wrapped.addAll(command);
    return wrapped;
  }

  /** CPU time used on this device so far, in nanoseconds. */
  long cpuNanos() {
    return quota.usageNanos();
  }

  /** Kills what still runs on the device and removes its cgroups (the network removes the rest). */
  @Override
  public void close() {
    quota.close();
  }

  @Override
  public String toString() {
    return "device "
        + index
        + " ("
        + link.address()
        + ", "
        + quota.cpus()
        + " CPU, "
        + link.bandwidth()
        + ")";
  }
}
