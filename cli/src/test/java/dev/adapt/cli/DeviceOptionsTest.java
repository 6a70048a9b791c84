package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@code adapt bench --devices} reads its options, without emulating anything. */
class DeviceOptionsTest {

  @Test
  void bandwidthsReadAsTcWritesThem() {
    assertThat(Bandwidth.parse("1gbit").bitsPerSecond()).isEqualTo(1_000_000_000L);
    assertThat(Bandwidth.parse("100mbit").bitsPerSecond()).isEqualTo(100_000_000L);
    assertThat(Bandwidth.parse("2.5Gbit").bitsPerSecond()).isEqualTo(2_500_000_000L);
    assertThat(Bandwidth.parse("100mbit").tcRate()).isEqualTo("100000000bit");
    assertThat(Bandwidth.parse("100mbit")).hasToString("100mbit");
    // At least one 64 KiB segment per burst; 2 ms at high rates.
    assertThat(Bandwidth.parse("10mbit").burstBytes()).isEqualTo(128 * 1024);
    assertThat(Bandwidth.parse("10gbit").burstBytes()).isEqualTo(2_500_000);
    assertThatThrownBy(() -> Bandwidth.parse("100MB/s")).hasMessageContaining("1gbit");
    assertThatThrownBy(() -> Bandwidth.parse("1kbit")).hasMessageContaining("8kbit");
  }

  @Test
  void oneDeviceIsAlwaysMeasuredAsTheBaseline() {
    assertThat(DeviceBench.counts(List.of(4, 2))).containsExactly(1, 2, 4);
    assertThat(DeviceBench.counts(List.of(1, 8, 8))).containsExactly(1, 8);
    assertThatThrownBy(() -> DeviceBench.counts(List.of(0, 2))).hasMessageContaining("1 or more");
  }

  @Test
  void namesCarryTheOwnerAndFitInterfaceNames() {
    DeviceNames names = new DeviceNames(4_194_304);
    assertThat(names.hostInterface(252) + "p").hasSizeLessThanOrEqualTo(15);
    assertThat(names.bridge()).hasSizeLessThanOrEqualTo(15);
    assertThat(DeviceNames.ownerOfNamespace(names.namespace(3))).contains(4_194_304L);
    assertThat(DeviceNames.ownerOfBridge(names.bridge())).contains(4_194_304L);
    assertThat(DeviceNames.ownerOfNamespace("adapt-x-dev1")).isEmpty();
    assertThat(DeviceNames.ownerOfBridge("docker0")).isEmpty();
  }

  @Test
  void theLinkPlanSeesTheDevicesLinkAndQuota() {
    BenchCommand bench = new BenchCommand();
    new picocli.CommandLine(bench)
        .parseArgs(
            "--devices",
            "1,4",
            "--device-cpu",
            "0.2",
            "--device-bandwidth",
            "100mbit",
            "--device-plans",
            "flops,link");
    DeviceBench devices = new DeviceBench(bench, bench.deviceOptions, System.out);

    assertThat(bench.deviceOptions.plans)
        .containsExactly(DeviceOptions.DevicePlan.flops, DeviceOptions.DevicePlan.link);
    var link = devices.linkModel(bench.deviceOptions.parsedBandwidth());
    assertThat(link.linkBytesPerSecond()).isEqualTo(12.5e6);
    assertThat(link.deviceWorkPerSecond()).isEqualTo(0.2 * LinkOptions.GFLOPS_PER_CPU * 1e9);
    assertThat(link.encoding()).hasToString("lz4");
  }

  @Test
  void optionsThatDoNotFitDevicesAreRefusedBeforeAnythingStarts() {
    StringWriter err = new StringWriter();
    var command = AdaptCommand.commandLine();
    command.setErr(new PrintWriter(err));
    int exit =
        command.execute(
            "bench", "--devices", "1,2", "--replicas", "2", "--tls", "--plan-for-link", "1gbit");

    assertThat(exit).isEqualTo(AdaptCommand.ExitCodes.FAILURE);
    assertThat(err.toString())
        .contains("--devices does not take")
        .contains("--replicas")
        .contains("--tls")
        .contains("--device-plans link");
  }
}
