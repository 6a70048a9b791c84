package dev.adapt.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emulated devices on this machine, and the guarantee that they go away: everything is removed on
 * {@link #close()} and, should the process be stopped (Ctrl-C, SIGTERM) before that, by a shutdown
 * hook. What a SIGKILLed emulation left behind is removed by the next one ({@link #sweepStale}).
 */
final class DeviceEmulation implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeviceEmulation.class);

  private final DeviceNames names;
  private final DeviceNetwork network;
  private final List<EmulatedDevice> devices = new ArrayList<>();
  private final List<AutoCloseable> users = new ArrayList<>();
  private final Thread hook;
  private boolean closed;

  private DeviceEmulation(DeviceNames names, DeviceNetwork network) {
    this.names = names;
    this.network = network;
    this.hook = new Thread(this::close, "device-emulation-cleanup");
  }

  /**
   * Checks that this process may emulate devices, removes leftovers of killed emulations and
   * creates the bridge.
   *
   * @throws IllegalStateException saying what is missing (root, {@code ip}, {@code tc}, cgroups)
   */
  static DeviceEmulation start() {
    DevicePrerequisites.check();
    sweepStale();
    DeviceEmulation emulation =
        new DeviceEmulation(
            DeviceNames.ofThisProcess(), DeviceNetwork.create(DeviceNames.ofThisProcess()));
    Runtime.getRuntime().addShutdownHook(emulation.hook);
    return emulation;
  }

  /** Adds a device with {@code cpus} CPUs and a link of {@code bandwidth}. */
  synchronized EmulatedDevice addDevice(double cpus, Bandwidth bandwidth) {
    if (closed) {
      throw new IllegalStateException("the device emulation is closed");
    }
    int index = devices.size();
    CpuQuota quota = CpuQuota.create(names.namespace(index), cpus);
    try {
      EmulatedDevice device = new EmulatedDevice(index, network.connect(index, bandwidth), quota);
      devices.add(device);
      return device;
    } catch (RuntimeException e) {
      quota.close();
      throw e;
    }
  }

  /**
   * Registers something that runs on the devices (a cluster of workers) to be closed first, so that
   * its processes end by their own PIDs before the devices go.
   */
  synchronized void closeFirst(AutoCloseable user) {
    users.add(user);
  }

  /** Whether the devices are gone (closed, or removed by the shutdown hook). */
  synchronized boolean closed() {
    return closed;
  }

  String hostAddress() {
    return network.hostAddress();
  }

  synchronized List<EmulatedDevice> devices() {
    return List.copyOf(devices);
  }

  /** Closes the users, then kills what is left in the devices' cgroups and removes everything. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (AutoCloseable user : reversed(users)) {
      try {
        user.close();
      } catch (Exception e) {
        log.warn("closing {} failed: {}", user, e.toString());
      }
    }
    devices.forEach(EmulatedDevice::close);
    network.close();
    if (Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is shutting down; the hook is running or has run this method.
      }
    }
  }

  private static <T> List<T> reversed(List<T> items) {
    List<T> copy = new ArrayList<>(items);
    java.util.Collections.reverse(copy);
    return copy;
  }

  /**
   * Removes namespaces, cgroups and bridges named for an emulating process that no longer runs (see
   * {@link DeviceNames}).
   */
  static void sweepStale() {
    for (String line : HostCommand.run("ip", "netns", "list").lines().toList()) {
      String namespace = line.split(" ")[0];
      if (DeviceNames.ownerOfNamespace(namespace).filter(DeviceNames::gone).isPresent()) {
        log.info("removing namespace {} left by an emulation that was killed", namespace);
        HostCommand.attempt(List.of("ip", "netns", "del", namespace));
      }
    }
    for (Path root : List.of(CpuQuota.CPU_ROOT, CpuQuota.CPUACCT_ROOT)) {
      try (Stream<Path> groups = Files.list(root)) {
        groups
            .filter(Files::isDirectory)
            .filter(
                group ->
                    DeviceNames.ownerOfNamespace(group.getFileName().toString())
                        .filter(DeviceNames::gone)
                        .isPresent())
            .forEach(DeviceEmulation::removeStaleGroup);
      } catch (IOException e) {
        log.warn("cannot list {}: {}", root, e.toString());
      }
    }
    String bridges = HostCommand.run("ip", "-o", "link", "show", "type", "bridge");
    for (String line : bridges.lines().toList()) {
      String[] fields = line.split(":\\s+");
      if (fields.length > 1) {
        String bridge = fields[1].split("@")[0];
        if (DeviceNames.ownerOfBridge(bridge).filter(DeviceNames::gone).isPresent()) {
          log.info("removing bridge {} left by an emulation that was killed", bridge);
          HostCommand.attempt(List.of("ip", "link", "del", bridge));
        }
      }
    }
  }

  private static void removeStaleGroup(Path group) {
    log.info("removing cgroup {} left by an emulation that was killed", group);
    try {
      for (String pid : Files.readAllLines(group.resolve("cgroup.procs"))) {
        if (!pid.isBlank()) {
          ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
      Thread.sleep(200);
      Files.delete(group);
    } catch (IOException e) {
      log.warn("cannot remove cgroup {}: {}", group, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
