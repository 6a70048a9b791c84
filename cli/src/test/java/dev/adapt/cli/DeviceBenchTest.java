package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.adapt.core.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code adapt bench --devices} end to end on a small model: worker JVMs in emulated devices,
 * answers checked, the usage counted per device, and nothing left afterwards. Needs root.
 */
@ExtendWith(DeviceEmulationAvailable.class)
class DeviceBenchTest {

  @Test
  void oneAndTwoDevicesServeCorrectAnswersAndAreRemovedAfterwards() throws Exception {
    String model = TestModels.fixtureDirectory(TestModels.KERAS_RESIDUAL_CNN).toString();
    AdaptRun run =
        AdaptRun.of(
            "bench",
            "--devices",
            "2",
            "--device-cpu",
            "0.5",
            "--device-bandwidth",
            "100mbit",
            "--model",
            model,
            "--worker-heap",
            "384m",
            "--requests",
            "16",
            "--concurrency",
            "4",
            "--warmup",
            "4",
            "--rounds",
            "2",
            "--json");
    assertThat(run.exit()).as(run.output()).isZero();
    JsonNode report = run.json();
    assertThat(report.path("deviceCpu").asDouble()).isEqualTo(0.5);
    assertThat(report.path("deviceBandwidth").asText()).isEqualTo("100mbit");
    JsonNode pipelines = report.path("pipelines");
    assertThat(pipelines).hasSize(2);

    JsonNode one = pipelines.get(0);
    assertThat(one.path("devices").asInt()).isEqualTo(1);
    assertThat(one.path("cutPoints")).isEmpty();
    assertThat(one.path("speedUp").asDouble()).isEqualTo(1.0);
    JsonNode two = pipelines.get(1);
    assertThat(two.path("devices").asInt()).isEqualTo(2);
    assertThat(two.path("cutPoints")).hasSize(1);
    for (JsonNode pipeline : pipelines) {
      assertThat(pipeline.path("succeeded").asInt()).isEqualTo(16);
      assertThat(pipeline.path("failed").asInt()).isZero();
      assertThat(pipeline.path("duplicates").asInt()).isZero();
      assertThat(pipeline.path("mismatches").asInt()).isZero();
      assertThat(pipeline.path("throughputRps").asDouble()).isPositive();
      // The workers ran in the devices' cgroups: each device counted CPU time.
      JsonNode cpu = pipeline.path("deviceCpuSecondsPerImage");
      assertThat(cpu).hasSize(pipeline.path("devices").asInt());
      cpu.forEach(seconds -> assertThat(seconds.asDouble()).isPositive());
      assertThat(pipeline.path("benchCpuSecondsPerImage").asDouble()).isPositive();
    }
    // The cut's activation crossed the link between the two devices.
    assertThat(two.path("hops").get(0).path("wireBytesPerImage").asLong()).isPositive();
    assertThat(two.path("hops").get(0).path("rawBytesPerImage").asLong()).isPositive();

    DeviceNames names = DeviceNames.ofThisProcess();
    String prefix = names.namespace(0).replace("dev0", "");
    assertThat(HostCommand.run("ip", "netns", "list")).doesNotContain(prefix);
    assertThat(HostCommand.run("ip", "-o", "link", "show")).doesNotContain(names.bridge());
    assertThat(groupsNamed(CpuQuota.CPU_ROOT, prefix)).isEmpty();
    assertThat(groupsNamed(CpuQuota.CPUACCT_ROOT, prefix)).isEmpty();
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)).isEmpty();
  }

  private static List<Path> groupsNamed(Path root, String prefix) throws IOException {
    try (Stream<Path> groups = Files.list(root)) {
      return groups.filter(g -> g.getFileName().toString().startsWith(prefix)).toList();
    }
  }
}
