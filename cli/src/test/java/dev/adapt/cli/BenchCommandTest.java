package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.adapt.core.testing.TestModels;
import org.junit.jupiter.api.Test;

/** {@code adapt bench --local} end to end on a small model, as a user runs it. */
class BenchCommandTest {

  @Test
  void benchLocalReportsEveryFieldAndNoFailures() throws Exception {
    String model = TestModels.fixtureDirectory(TestModels.KERAS_RESIDUAL_CNN).toString();
    AdaptRun run =
        AdaptRun.of(
            "bench",
            "--local",
            "--model",
            model,
            "--stages",
            "2",
            "--http-port",
            "0",
            "--grpc-port",
            "0",
            "--requests",
            "24",
            "--concurrency",
            "3",
            "--warmup",
            "3",
            "--protocol",
            "grpc",
            "--compare-monolithic",
            "--json");
    assertThat(run.exit()).as(run.output()).isZero();
    JsonNode report = run.json();
    assertThat(report.path("requests").asInt()).isEqualTo(24);
    assertThat(report.path("succeeded").asInt()).isEqualTo(24);
    assertThat(report.path("failed").asInt()).isZero();
    assertThat(report.path("duplicates").asInt()).isZero();
    assertThat(report.path("mismatches").asInt()).isZero();
    assertThat(report.path("throughputRps").asDouble()).isPositive();
    assertThat(report.path("latencyMs").path("p99").asDouble())
        .isGreaterThanOrEqualTo(report.path("latencyMs").path("p50").asDouble());
    assertThat(report.path("monolithicThroughputRps").asDouble()).isPositive();
    assertThat(report.path("ratioVsMonolithic").asDouble()).isPositive();
    // With --local the ratio's baseline is the unsplit model served by as many processes.
    assertThat(report.path("monolithicBaseline").asText())
        .contains("served")
        .contains("2 worker processes")
        .contains("1 stage x 2 replicas");
    assertThat(report.path("inProcessThroughputRps").asDouble()).isPositive();
    assertThat(report.path("ratioVsInProcess").asDouble()).isPositive();
    assertThat(report.path("processes").path("pipeline").asInt()).isEqualTo(3);
    assertThat(report.path("processes").path("monolithic").asInt()).isEqualTo(3);
    assertThat(report.has("replays")).isTrue();
  }
}
