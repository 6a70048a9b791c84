package dev.adapt.cli;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What one emulated pipeline consumed while it was measured, summed over the rounds: CPU time of
 * the device of each stage (from its cpuacct cgroup), CPU time of this process (the dispatchers and
 * the load generator run here, outside the devices) and the bytes each stage's output took on the
 * wire and before compression (the dispatcher's hop counters, from the workers' hop reports).
 */
final class DeviceUsage {
  private final DeviceCluster cluster;
  private final long[] deviceNanos;
  private final double[] wireBytes;
  private final double[] rawBytes;
  private long benchNanos;
  private int images;

  DeviceUsage(DeviceCluster cluster) {
    this.cluster = cluster;
    int devices = cluster.devices().size();
    this.deviceNanos = new long[devices];
    this.wireBytes = new double[devices];
    this.rawBytes = new double[devices];
  }

  /** The counters at one moment. */
  record Sample(long[] deviceNanos, long benchNanos, double[] wireBytes, double[] rawBytes) {}

  Sample sample() {
    int stages = deviceNanos.length;
    double[] wire = new double[stages];
    double[] raw = new double[stages];
    MeterRegistry registry = cluster.cluster().dispatcher().metrics().registry();
    for (int stage = 0; stage < stages; stage++) {
      wire[stage] = hopBytes(registry, stage, "wire");
      raw[stage] = hopBytes(registry, stage, "raw");
    }
    return new Sample(cluster.cpuNanosByStage(), processCpuNanos(), wire, raw);
  }

  /**
   * Adds what was used between {@code before} and {@code after}, in which {@code requests} were
   * sent (lead-in ones included: they used the devices too).
   */
  synchronized void add(Sample before, Sample after, int requests) {
    images += requests;
    for (int i = 0; i < deviceNanos.length; i++) {
      deviceNanos[i] += after.deviceNanos()[i] - before.deviceNanos()[i];
      wireBytes[i] += after.wireBytes()[i] - before.wireBytes()[i];
      rawBytes[i] += after.rawBytes()[i] - before.rawBytes()[i];
    }
    benchNanos += after.benchNanos() - before.benchNanos();
  }

  /** Images sent while the usage was measured. */
  synchronized int images() {
    return images;
  }

  /** CPU seconds per image on the device of each stage, in stage order. */
  synchronized double[] deviceCpuSecondsPerImage(int images) {
    double[] perImage = new double[deviceNanos.length];
    for (int i = 0; i < perImage.length; i++) {
      perImage[i] = deviceNanos[i] / 1e9 / images;
    }
    return perImage;
  }

  /** CPU seconds per image of this process (dispatcher and load generator). */
  synchronized double benchCpuSecondsPerImage(int images) {
    return benchNanos / 1e9 / images;
  }

  /** Bytes per image that stage {@code i}'s output took on the wire. */
  synchronized double[] wireBytesPerImage(int images) {
    return perImage(wireBytes, images);
  }

  /** Bytes per image of stage {@code i}'s output before compression. */
  synchronized double[] rawBytesPerImage(int images) {
    return perImage(rawBytes, images);
  }

  private static double[] perImage(double[] totals, int images) {
    double[] perImage = new double[totals.length];
    for (int i = 0; i < totals.length; i++) {
      perImage[i] = totals[i] / images;
    }
    return perImage;
  }

  private static double hopBytes(MeterRegistry registry, int stage, String form) {
    Counter counter =
        registry
            .find("adapt_dispatcher_hop_bytes")
            .tag("stage", Integer.toString(stage))
            .tag("form", form)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private static long processCpuNanos() {
    return ProcessHandle.current()
        .info()
        .totalCpuDuration()
        .map(java.time.Duration::toNanos)
        .orElse(0L);
  }
}
