package dev.adapt.cli;

import dev.adapt.core.plan.LinkModel;
import dev.adapt.core.wire.WireEncoding;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --plan-for-link}: balanced plans for devices behind links of a given speed. */
final class LinkOptions {
  /**
   * One core of this machine, in GFLOP/s of a model's counted FLOPs as a pipeline stage runs them:
   * the built-in ResNet-50 (7.72 GFLOP per image) in 4 stages took 0.068 CPU seconds per image
   * summed over its 4 emulated devices, one TensorFlow thread each (docs/benchmarks.md, "An
   * emulated cluster of weak devices"). Per stage, not unsplit (0.045 s, 170 GFLOP/s): a stage also
   * pays for receiving, sending and copying its activations, which FLOPs do not count.
   */
  static final double GFLOPS_PER_CPU = 113;

  @Option(
      names = "--plan-for-link",
      paramLabel = "RATE",
      description =
          "Balance --stages for devices behind links of this speed (as tc writes it: 100mbit,"
              + " 1gbit): a stage then takes the slower of its compute (--device-gflops) and the"
              + " transfer of its input or output at their expected wire size (--compression,"
              + " --float-encoding), and the plan makes the slowest stage as fast as it can."
              + " Default: balance the stages' work alone.")
  String link;

  @Option(
      names = "--device-gflops",
      paramLabel = "GFLOPS",
      description =
          "With --plan-for-link (or bench --device-plans link): each device's speed in GFLOP/s"
              + " of the model's counted FLOPs (default: 113, one core of the machine this default"
              + " was measured on running a pipeline stage; with --devices, 113 x --device-cpu).")
  Double gflops;

  /** The link model these options ask for, with activations sent as {@code encoding}. */
  Optional<LinkModel> model(WireEncoding encoding) {
    if (link == null) {
      if (gflops != null) {
        throw new IllegalArgumentException("--device-gflops needs --plan-for-link");
      }
      return Optional.empty();
    }
    return Optional.of(
        model(Bandwidth.parse(link), gflops != null ? gflops : GFLOPS_PER_CPU, encoding));
  }

  static LinkModel model(Bandwidth bandwidth, double gflops, WireEncoding encoding) {
    if (!(gflops > 0)) {
      throw new IllegalArgumentException("--device-gflops must be positive, not " + gflops);
    }
    return LinkModel.ofBits(bandwidth.bitsPerSecond(), gflops * 1e9, encoding);
  }
}
