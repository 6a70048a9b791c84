package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code adapt bench --local} end to end on a small model, as a user runs it. */
class BenchCommandTest {

  /** Runs {@code adapt bench --local} on a small model in 2 stages; its JSON report. */
  private static JsonNode benchLocal(String... options) throws Exception {
    AdaptRun run = LocalBench.run(List.of(options));
    assertThat(run.exit()).as(run.output()).isZero();
    return run.json();
  }

  @Test
  void benchLocalReportsEveryFieldAndNoFailures() throws Exception {
    JsonNode report =
        benchLocal(
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
    assertThat(report.path("wireEncoding").asText()).isEqualTo("lz4");
    assertThat(report.path("outputs").path("compared").asInt()).isEqualTo(24);
    assertThat(report.path("outputs").path("maxAbsDiff").asDouble()).isLessThan(1e-4);
    assertThat(report.path("outputs").path("top1Agreement").asDouble()).isEqualTo(1.0);
    assertThat(report.path("hopBytesPerImage")).hasSize(2);
    assertThat(report.path("hopBytesPerImage").get(0).path("raw").asLong()).isPositive();
    JsonNode cpu = report.path("cpuMsPerImage");
    assertThat(report.path("workerCpuMsPerImage").asDouble())
        .isPositive()
        .isEqualTo(cpu.path("workers").path("total").asDouble());
    assertThat(cpu.path("bench").path("client").asDouble()).isPositive();
    assertThat(cpu.path("bench").path("dispatcher").asDouble()).isPositive();
    assertThat(cpu.path("workers").path("tensorflow").asDouble()).isPositive();
    assertThat(cpu.path("workers").path("grpc").asDouble()).isPositive();
    assertThat(cpu.path("byWorker").size()).isEqualTo(2);
    assertThat(cpu.path("total").asDouble())
        .isCloseTo(
            cpu.path("bench").path("total").asDouble()
                + cpu.path("workers").path("total").asDouble(),
            within(0.02));
    // The steady window and the whole rounds are both reported, for every contender.
    assertThat(report.path("withDrainThroughputRps").asDouble()).isPositive();
    assertThat(report.path("withDrain").path("ratioVsMonolithic").asDouble()).isPositive();
    assertThat(report.path("withDrain").path("ratioVsInProcess").asDouble()).isPositive();
  }

  @Test
  void benchReportsWhatALossyFloatEncodingCostsTheOutputs() throws Exception {
    JsonNode report =
        benchLocal(
            "--requests",
            "16",
            "--concurrency",
            "2",
            "--warmup",
            "2",
            "--compression",
            "shuffle-lz4",
            "--float-encoding",
            "bfloat16",
            "--json");
    assertThat(report.path("wireEncoding").asText()).isEqualTo("bfloat16+shuffle-lz4");
    assertThat(report.path("mismatches").asInt()).isZero();
    JsonNode outputs = report.path("outputs");
    assertThat(outputs.path("compared").asInt()).isEqualTo(16);
    // Rounded activations move the answers a little, and by no means arbitrarily.
    assertThat(outputs.path("maxAbsDiff").asDouble()).isPositive().isLessThan(0.5);
    assertThat(outputs.path("top1Agreement").asDouble()).isBetween(0.0, 1.0);
    JsonNode hops = report.path("hopBytesPerImage");
    assertThat(hops).hasSize(2);
    // The first stage sends 16-bit floats on; the last answers with exact ones.
    assertThat(hops.get(0).path("ratio").asDouble()).isGreaterThan(1.9);
    assertThat(hops.get(1).path("ratio").asDouble()).isLessThan(1.9);
  }
}
