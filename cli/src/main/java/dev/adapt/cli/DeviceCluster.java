package dev.adapt.cli;

import dev.adapt.dispatcher.plans.ServedPipeline;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A local pipeline whose workers run one per emulated device: the dispatcher stays in this process
 * (outside the devices), each worker JVM is started inside its device's namespace and cgroups and
 * binds and advertises the device's address, which is what the dispatcher's static membership
 * learns.
 */
final class DeviceCluster implements AutoCloseable {
  private final List<EmulatedDevice> devices;
  private final LocalCluster cluster;

  private DeviceCluster(List<EmulatedDevice> devices, LocalCluster cluster) {
    this.devices = devices;
    this.cluster = cluster;
  }

  /**
   * Starts {@code pipeline} with one stage per device of {@code devices} (in order); does not wait
   * for readiness.
   */
  static DeviceCluster start(
      ServedPipeline pipeline,
      List<EmulatedDevice> devices,
      LocalOptions options,
      String pipelineName) {
    if (devices.size() != pipeline.stageCount()) {
      throw new IllegalArgumentException(
          pipeline.stageCount() + " stages need as many devices, not " + devices.size());
    }
    Map<String, WorkerProcess.Host> hosts = new HashMap<>();
    for (int i = 0; i < devices.size(); i++) {
      EmulatedDevice device = devices.get(i);
      hosts.put(LocalCluster.workerId(i), new WorkerProcess.Host(device.address(), device::wrap));
    }
    LocalCluster cluster =
        LocalCluster.start(
            pipeline,
            1,
            0,
            options.workerSpec(pipelineName),
            id -> {
              WorkerProcess.Host host = hosts.get(id);
              if (host == null) {
                throw new IllegalArgumentException("no device for worker " + id);
              }
              return host;
            },
            options.settingsOnFreePorts(pipeline.stageCount()),
            List.of());
    return new DeviceCluster(List.copyOf(devices), cluster);
  }

  LocalCluster cluster() {
    return cluster;
  }

  List<EmulatedDevice> devices() {
    return devices;
  }

  /**
   * CPU time used so far by the device serving each stage, in nanoseconds, in stage order (the
   * launcher's assignment decides which device serves which stage).
   */
  long[] cpuNanosByStage() {
    long[] nanos = new long[devices.size()];
    for (int stage = 0; stage < nanos.length; stage++) {
      nanos[stage] = deviceOfStage(stage).cpuNanos();
    }
    return nanos;
  }

  /** The device whose worker serves {@code stage}. */
  EmulatedDevice deviceOfStage(int stage) {
    String worker =
        cluster
            .workerOfStage(stage)
            .orElseThrow(() -> new IllegalStateException("no worker serves stage " + stage));
    for (int i = 0; i < devices.size(); i++) {
      if (LocalCluster.workerId(i).equals(worker)) {
        return devices.get(i);
      }
    }
    throw new IllegalStateException("worker " + worker + " runs on no device");
  }

  /**
   * Stops the dispatcher and the workers (by PID); the devices stay for the emulation to remove.
   */
  @Override
  public void close() {
    cluster.close();
  }

  @Override
  public String toString() {
    return devices.size() + "-device pipeline";
  }
}
