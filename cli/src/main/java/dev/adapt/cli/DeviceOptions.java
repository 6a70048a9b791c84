package dev.adapt.cli;

import picocli.CommandLine.Option;

/** How {@code adapt bench --devices} sizes each emulated device. */
final class DeviceOptions {
  /** What the machine's 2 cores give all devices of one pipeline together, with room to spare. */
  static final double CPU_BUDGET = 1.6;

  @Option(
      names = "--device-cpu",
      defaultValue = "0.4",
      paramLabel = "CPUS",
      description =
          "With --devices: CPU quota of each device, in CPUs (cgroup CFS quota; default:"
              + " ${DEFAULT-VALUE}).")
  double cpus;

  @Option(
      names = "--device-bandwidth",
      defaultValue = "1gbit",
      paramLabel = "RATE",
      description =
          "With --devices: speed of each device's link to the bridge, each direction (tc tbf"
              + " rate such as 1gbit or 100mbit; default: ${DEFAULT-VALUE}).")
  String bandwidth;

  Bandwidth parsedBandwidth() {
    return Bandwidth.parse(bandwidth);
  }
}
