package dev.adapt.cli;

import java.util.List;
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

  /** How the stages of N > 1 devices are balanced. */
  enum DevicePlan {
    flops,
    link
  }

  @Option(
      names = "--device-plans",
      defaultValue = "flops",
      split = ",",
      paramLabel = "PLAN",
      description =
          "With --devices: how N > 1 devices' stages are balanced: flops (the model's counted"
              + " FLOPs), link (each stage's time on these devices: compute at --device-cpu x 113"
              + " GFLOP/s per CPU, or --device-gflops, against the transfer of its input or output"
              + " over --device-bandwidth at the --compression's expected wire size), or both"
              + " side by side: flops,link (default: ${DEFAULT-VALUE}).")
  List<DevicePlan> plans;

  Bandwidth parsedBandwidth() {
    return Bandwidth.parse(bandwidth);
  }
}
