package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adapt.core.tensor.OutputAgreement;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceBenchReportTest {

  private static LoadRun.Result result(int answered, double seconds, int mismatches) {
    return new LoadRun.Result(
        answered,
        answered,
        0,
        0,
        mismatches,
        seconds,
        new double[] {100, 200},
        List.of(),
        OutputAgreement.NONE);
  }

  private static DeviceBenchReport report(int mismatches) {
    return new DeviceBenchReport(
        0.2,
        Bandwidth.parse("1gbit"),
        16,
        List.of(
            new DeviceBenchReport.Row(
                1,
                List.of(),
                result(40, 10, 0),
                new double[] {0.05},
                0.02,
                new double[] {0},
                new double[] {0},
                "flops"),
            new DeviceBenchReport.Row(
                2,
                List.of("conv4_block1_add"),
                result(40, 5, mismatches),
                new double[] {0.03, 0.025},
                0.021,
                new double[] {1024 * 787, 0},
                new double[] {1024 * 787, 0},
                "flops")));
  }

  @Test
  void speedUpsAreAgainstOneDeviceAndOnlyHopsBetweenDevicesAreListed() {
    DeviceBenchReport report = report(0);
    JsonNode json = report.toJson(new ObjectMapper());

    JsonNode two = json.path("pipelines").get(1);
    assertThat(two.path("throughputRps").asDouble()).isEqualTo(8.0);
    assertThat(two.path("speedUp").asDouble()).isEqualTo(2.0);
    assertThat(two.path("hops")).hasSize(1);
    assertThat(two.path("hops").get(0).path("toStage").asInt()).isEqualTo(1);
    assertThat(two.path("hops").get(0).path("wireBytesPerImage").asLong()).isEqualTo(1024 * 787);
    assertThat(json.path("pipelines").get(0).path("hops")).isEmpty();
    assertThat(report.table())
        .contains("| 1 | 4.00 | 1.00 | 100 / 200 | 0.050 | 0.020 | – |")
        .contains("| 2 | 8.00 | 2.00 | 100 / 200 | 0.030, 0.025 (sum 0.055) | 0.021 | 787 |")
        .contains("2 devices cut at [conv4_block1_add]");
    assertThat(report.allCorrect()).isTrue();
  }

  @Test
  void plansAreNamedWhereTheReportComparesThem() {
    DeviceBenchReport report =
        new DeviceBenchReport(
            0.2,
            Bandwidth.parse("100mbit"),
            16,
            List.of(
                new DeviceBenchReport.Row(
                    1,
                    List.of(),
                    result(40, 10, 0),
                    new double[] {0.05},
                    0.02,
                    new double[] {0},
                    new double[] {0},
                    "flops"),
                new DeviceBenchReport.Row(
                    2,
                    List.of("conv4_block1_add"),
                    result(40, 5, 0),
                    new double[] {0.03, 0.025},
                    0.021,
                    new double[] {1024 * 784, 0},
                    new double[] {1024 * 784, 0},
                    "flops"),
                new DeviceBenchReport.Row(
                    2,
                    List.of("conv4_block1_out"),
                    result(40, 4, 0),
                    new double[] {0.03, 0.025},
                    0.021,
                    new double[] {1024 * 568, 0},
                    new double[] {1024 * 784, 0},
                    "link")));

    assertThat(report.table())
        .contains("| 1 | 4.00 | 1.00 |")
        .contains("| 2 (flops) | 8.00 | 2.00 |")
        .contains("| 2 (link) | 10.00 | 2.50 |")
        .contains("2 (link) devices cut at [conv4_block1_out]");
    assertThat(report.toJson(new ObjectMapper()).path("pipelines").get(2).path("plan").asText())
        .isEqualTo("link");
  }

  @Test
  void aWrongAnswerInAnyPipelineFailsTheRun() {
    assertThat(report(1).allCorrect()).isFalse();
  }
}
