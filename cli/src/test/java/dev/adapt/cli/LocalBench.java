package dev.adapt.cli;

import dev.adapt.core.testing.TestModels;
import java.util.ArrayList;
import java.util.List;

/** {@code adapt bench --local} on a small model in 2 stages, on free ports, as a user runs it. */
final class LocalBench {
  private LocalBench() {}

  /** Runs the bench with {@code options} after the model, stages and ports. */
  static AdaptRun run(List<String> options) {
    String model = TestModels.fixtureDirectory(TestModels.KERAS_RESIDUAL_CNN).toString();
    List<String> args =
        new ArrayList<>(
            List.of(
                "bench",
                "--local",
                "--model",
                model,
                "--stages",
                "2",
                "--http-port",
                "0",
                "--grpc-port",
                "0"));
    args.addAll(options);
    return AdaptRun.of(args.toArray(String[]::new));
  }
}
