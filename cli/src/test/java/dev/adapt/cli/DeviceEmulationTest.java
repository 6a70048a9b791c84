package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pieces of device emulation that need no TensorFlow, on the real kernel: a namespace with a
 * shaped veth on a bridge and a CPU-limited cgroup. Needs root, ip and tc; skipped otherwise.
 */
@ExtendWith(DeviceEmulationAvailable.class)
class DeviceEmulationTest {

  @Test
  void aDeviceHasAShapedLinkAReachableAddressAndACpuQuotaAndLeavesNothingBehind() throws Exception {
    DeviceEmulation emulation = DeviceEmulation.start();
    DeviceNames names = DeviceNames.ofThisProcess();
    EmulatedDevice device;
    Process spinner;
    try {
      device = emulation.addDevice(0.2, Bandwidth.parse("10mbit"));
      String namespace = device.link().namespace();

      // Both directions are shaped: the host end towards the device, eth0 away from it.
      assertThat(HostCommand.run("tc", "qdisc", "show", "dev", device.link().hostInterface()))
          .contains("tbf")
          .contains("rate 10Mbit");
      assertThat(HostCommand.run("tc", "-n", namespace, "qdisc", "show", "dev", "eth0"))
          .contains("tbf")
          .contains("rate 10Mbit");
      assertThat(device.quota().quotaMicros()).isEqualTo(20_000);
      assertThat(device.quota().shares()).isEqualTo(CpuQuota.SHARES);

      // A program on the device reaches the host across the bridge, from the device's address.
      try (ServerSocket server =
          new ServerSocket(0, 1, InetAddress.getByName(emulation.hostAddress()))) {
        server.setSoTimeout(60_000);
        String script =
            "ip -o -4 addr show dev eth0 | awk '{print $4}' > /dev/tcp/"
                + emulation.hostAddress()
                + "/"
                + server.getLocalPort();
        Process client = new ProcessBuilder(device.wrap(List.of("bash", "-c", script))).start();
        try (Socket accepted = server.accept();
            BufferedReader in =
                new BufferedReader(
                    new InputStreamReader(accepted.getInputStream(), StandardCharsets.UTF_8))) {
          assertThat(accepted.getInetAddress().getHostAddress()).isEqualTo(device.address());
          assertThat(in.readLine()).isEqualTo(device.address() + "/24");
        }
        assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(client.exitValue()).isZero();
      }

      // A busy loop on the device is in both cgroups under its own PID and gets its quota at most.
      spinner = new ProcessBuilder(device.wrap(List.of("sh", "-c", "while :; do :; done"))).start();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!device.quota().pids().contains(spinner.pid()) && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      assertThat(device.quota().pids()).containsExactly(spinner.pid());
      assertThat(device.quota().accountedPids()).containsExactly(spinner.pid());
      long cpuBefore = device.cpuNanos();
      long wallBefore = System.nanoTime();
      Thread.sleep(3000);
      double share = (device.cpuNanos() - cpuBefore) / (double) (System.nanoTime() - wallBefore);
      // Unlimited, it would take a whole core on an idle machine; 0.2 CPU plus timing slack. Its
      // weight gets it most of its quota even while the host is busy.
      assertThat(share).isGreaterThan(0.1).isLessThan(0.3);
    } finally {
      emulation.close();
    }

    // Closing killed the spinner (by its PID in the cgroup) and removed everything.
    assertThat(spinner.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(HostCommand.run("ip", "netns", "list")).doesNotContain(names.namespace(0));
    assertThat(DeviceNetwork.exists(names.hostInterface(0))).isFalse();
    assertThat(DeviceNetwork.exists(names.bridge())).isFalse();
    assertThat(Files.exists(CpuQuota.CPU_ROOT.resolve(names.namespace(0)))).isFalse();
    assertThat(Files.exists(CpuQuota.CPUACCT_ROOT.resolve(names.namespace(0)))).isFalse();
  }

  @Test
  void whatAKilledEmulationLeftIsSweptAndALiveOnesIsNot() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    DeviceNames dead = new DeviceNames(gone.pid());
    DeviceNames live = DeviceNames.ofThisProcess();
    // What a SIGKILLed emulation leaves: a namespace, a bridge, cgroups.
    HostCommand.run("ip", "netns", "add", dead.namespace(0));
    HostCommand.run("ip", "link", "add", dead.bridge(), "type", "bridge");
    CpuQuota deadQuota = CpuQuota.create(dead.namespace(0), 0.5);
    HostCommand.run("ip", "netns", "add", live.namespace(7));
    try {
      DeviceEmulation.sweepStale();

      String namespaces = HostCommand.run("ip", "netns", "list");
      assertThat(namespaces).doesNotContain(dead.namespace(0)).contains(live.namespace(7));
      assertThat(DeviceNetwork.exists(dead.bridge())).isFalse();
      assertThat(Files.exists(CpuQuota.CPU_ROOT.resolve(dead.namespace(0)))).isFalse();
      assertThat(Files.exists(CpuQuota.CPUACCT_ROOT.resolve(dead.namespace(0)))).isFalse();
    } finally {
      HostCommand.attempt(List.of("ip", "netns", "del", dead.namespace(0)));
      HostCommand.attempt(List.of("ip", "link", "del", dead.bridge()));
      HostCommand.attempt(List.of("ip", "netns", "del", live.namespace(7)));
      deadQuota.close();
    }
  }
}
