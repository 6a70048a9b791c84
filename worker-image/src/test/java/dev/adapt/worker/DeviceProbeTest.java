package dev.adapt.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.slice.ExecutorOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceProbeTest {

  @Test
  void tensorFlowListsAtLeastTheCpu() {
    List<DeviceProbe.Device> devices = DeviceProbe.listDevices(ExecutorOptions.DEFAULT);

    assertThat(devices).extracting(DeviceProbe.Device::type).contains("CPU");
    assertThat(devices).allSatisfy(d -> assertThat(d.name()).contains("/device:"));
    // This description is what the worker announces; on a machine without a GPU it is CPU.
    String described = DeviceProbe.describe(devices);
    assertThat(described)
        .isEqualTo(devices.stream().anyMatch(d -> d.type().equals("GPU")) ? described : "CPU");
  }

  @Test
  void firstGpuIsAnnouncedByItsDeviceName() {
    var devices =
        List.of(
            new DeviceProbe.Device("CPU", "/job:localhost/replica:0/task:0/device:CPU:0"),
            new DeviceProbe.Device("GPU", "/job:localhost/replica:0/task:0/device:GPU:0"),
            new DeviceProbe.Device("GPU", "/job:localhost/replica:0/task:0/device:GPU:1"));

    assertThat(DeviceProbe.describe(devices)).isEqualTo("GPU:/device:GPU:0");
    assertThat(DeviceProbe.describe(devices.subList(0, 1))).isEqualTo("CPU");
  }
}
