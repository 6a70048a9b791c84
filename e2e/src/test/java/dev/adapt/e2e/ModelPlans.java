package dev.adapt.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code adapt plan} says about the built-in ResNet-50, computed on the host: the balanced
 * split points for a number of stages, and every valid cut point. The pipeline's status must agree.
 */
record ModelPlans(List<String> cutPoints, List<String> validCutPoints) {

  static ModelPlans balanced(Path repository, int stages) {
    Commands.Result result =
        Commands.run(
                repository,
                Duration.ofMinutes(10),
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar",
                    repository.resolve("cli/target/adapt.jar").toString(),
                    "plan",
                    "--model=builtin:resnet50",
                    "--stages=" + stages,
                    "--json"))
            .requireSuccess();
    try {
      String out = result.stdout();
      JsonNode json = new ObjectMapper().readTree(out.substring(out.indexOf('{')));
      return new ModelPlans(strings(json.path("cutPoints")), strings(json.path("validCutPoints")));
    } catch (IOException | RuntimeException e) {
      throw new AssertionError("unreadable output of adapt plan: " + result.describe(), e);
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(n -> values.add(n.asText()));
    return values;
  }
}
