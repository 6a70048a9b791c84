package dev.adapt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adapt.core.testing.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code adapt bench --local} run on a small model in 2 stages, as a user runs it: its exit
 * code and what it printed.
 */
record LocalBenchRun(int exit, String output) {

  /** Runs the bench with {@code options} after the model, stages and free ports. */
  static LocalBenchRun of(List<String> options) {
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
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      int exit = AdaptCommand.commandLine().execute(args.toArray(String[]::new));
      return new LocalBenchRun(exit, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
    }
  }

  /** The JSON report (the run must have had {@code --json}). */
  JsonNode report() throws Exception {
    return new ObjectMapper().readTree(output.substring(output.indexOf('{')));
  }
}
