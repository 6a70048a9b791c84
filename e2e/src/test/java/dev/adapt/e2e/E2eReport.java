package dev.adapt.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.TestReporter;

/**
 * The figures every scenario measured (requests, failures, duplicates, times to recover, downtime),
 * published to the JUnit report as they are taken and written to {@code e2e/target/e2e-report.md}
 * at the end of the run.
 */
final class E2eReport {

  private final Map<String, Map<String, String>> scenarios = new LinkedHashMap<>();
  private final Map<String, String> outcomes = new LinkedHashMap<>();
  private final Instant started = Instant.now();

  /** Where the report and the logs of a run go: {@code e2e/target}. */
  static Path directory() {
    return Cluster.repository().resolve("e2e/target");
  }

  static Path file() {
    return directory().resolve("e2e-report.md");
  }

  /** Records one figure of a scenario, in the JUnit report and in the summary. */
  synchronized void record(TestReporter reporter, String scenario, String key, Object value) {
    String text = String.valueOf(value);
    scenarios.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).put(key, text);
    reporter.publishEntry(key, text);
  }

  /** A scenario begins: it is listed in this order, as not finished until it has an outcome. */
  synchronized void begin(String scenario) {
    outcomes.putIfAbsent(scenario, "not finished");
  }

  synchronized void outcome(String scenario, String outcome) {
    outcomes.put(scenario, outcome);
  }

  /** Writes the summary file and returns its text. */
  synchronized String write() {
    StringBuilder md = new StringBuilder();
    md.append("# ADAPT end-to-end run\n\n");
    md.append("Started ").append(started).append(", ended ").append(Instant.now()).append(".\n");
    List<String> names = new ArrayList<>(outcomes.keySet());
    scenarios.keySet().stream().filter(s -> !names.contains(s)).forEach(names::add);
    for (String scenario : names) {
      md.append("\n## ").append(scenario).append("\n\n");
      md.append("Outcome: ").append(outcomes.getOrDefault(scenario, "not finished")).append("\n\n");
      Map<String, String> figures = scenarios.getOrDefault(scenario, Map.of());
      if (!figures.isEmpty()) {
        md.append("| figure | value |\n| --- | --- |\n");
        figures.forEach(
            (k, v) ->
                md.append("| ")
                    .append(k)
                    .append(" | ")
                    .append(v.replace("|", "\\|").replace("\n", " "))
                    .append(" |\n"));
      }
    }
    try {
      Files.createDirectories(directory());
      Files.writeString(file(), md.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot write " + file(), e);
    }
    return md.toString();
  }
}
