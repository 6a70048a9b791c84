package dev.adapt.worker;

import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.membership.MembershipKeys;
import dev.adapt.core.security.PeerTls;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a worker runs.
 *
 * @param advertisedAddress host:port the other parties reach this worker at
 * @param etcd where to register; empty for static membership (the launcher follows the process)
 * @param metricsPort port of {@code /metrics}; 0 picks a free one, -1 serves none
 * @param computeThreads batches computed at once
 * @param queueCapacity batches accepted beyond those computing before RESOURCE_EXHAUSTED
 * @param maxSlices slices held at once; the oldest beyond this is evicted
 * @param warmUpBatchSizes batch sizes a newly loaded slice runs once each (on zeros) before the
 *     worker announces it, so that no real batch pays for a fresh session's first runs
 * @param hopTimeout bound on a call to the next hop when the caller set no deadline
 * @param shutdownGrace time in-flight batches get to finish on shutdown
 * @param peerTls mutual TLS of the pipeline: the server requires a client certificate of the
 *     pipeline's CA and the channels to the next hops present this worker's; empty is plaintext
 * @param healthPort port of a second, plaintext gRPC server with only the health service (for
 *     kubelet probes while the main port requires mutual TLS); 0 picks a free one, -1 serves none
 */
public record WorkerSettings(
    String pipeline,
    String workerId,
    String bindAddress,
    int port,
    String advertisedAddress,
    Optional<EtcdSettings> etcd,
    int metricsPort,
    int computeThreads,
    int queueCapacity,
    int maxSlices,
    List<Integer> warmUpBatchSizes,
    long maxSliceBytes,
    Duration hopTimeout,
    Duration shutdownGrace,
    Optional<PeerTls> peerTls,
    int healthPort) {

  public static final long DEFAULT_MAX_SLICE_BYTES = Integer.MAX_VALUE - 8;

  /** Warm-up batch sizes when none are configured. */
  public static final List<Integer> DEFAULT_WARM_UP_BATCH_SIZES = List.of(1);

  public WorkerSettings {
    MembershipKeys.requireValidId(pipeline);
    MembershipKeys.requireValidId(workerId);
    if (computeThreads < 1 || queueCapacity < 0 || maxSlices < 1) {
      throw new IllegalArgumentException(
          "need at least one compute thread and one slice, and a non-negative queue");
    }
    warmUpBatchSizes = List.copyOf(warmUpBatchSizes);
    if (warmUpBatchSizes.stream().anyMatch(size -> size < 1)) {
      throw new IllegalArgumentException(
          "warm-up batch sizes must be positive: " + warmUpBatchSizes);
    }
    if (maxSliceBytes < 1 || maxSliceBytes > DEFAULT_MAX_SLICE_BYTES) {
      throw new IllegalArgumentException(
          "max slice bytes must be within 1.." + DEFAULT_MAX_SLICE_BYTES);
    }
  }

  /** Settings with defaults for everything but identity; adjust with {@link #toBuilder()}. */
  public static WorkerSettings defaults(String pipeline, String workerId, int port) {
    return new Builder(pipeline, workerId).port(port).build();
  }

  public Builder toBuilder() {
    Builder builder = new Builder(pipeline, workerId);
    builder.bindAddress = bindAddress;
    builder.port = port;
    builder.advertisedAddress = advertisedAddress;
    builder.etcd = etcd;
    builder.metricsPort = metricsPort;
    builder.computeThreads = computeThreads;
    builder.queueCapacity = queueCapacity;
    builder.maxSlices = maxSlices;
    builder.warmUpBatchSizes = warmUpBatchSizes;
    builder.maxSliceBytes = maxSliceBytes;
    builder.hopTimeout = hopTimeout;
    builder.shutdownGrace = shutdownGrace;
    builder.peerTls = peerTls;
    builder.healthPort = healthPort;
    return builder;
  }

  /** Builds settings; every field starts at its default. */
  public static final class Builder {
    private final String pipeline;
    private final String workerId;
    private String bindAddress = "127.0.0.1";
    private int port;
    private String advertisedAddress;
    private Optional<EtcdSettings> etcd = Optional.empty();
    private int metricsPort = -1;
    private int computeThreads = 2;
    private int queueCapacity = 32;
    private int maxSlices = 2;
    private List<Integer> warmUpBatchSizes = DEFAULT_WARM_UP_BATCH_SIZES;
    private long maxSliceBytes = DEFAULT_MAX_SLICE_BYTES;
    private Duration hopTimeout = Duration.ofSeconds(60);
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private Optional<PeerTls> peerTls = Optional.empty();
    private int healthPort = -1;

    public Builder(String pipeline, String workerId) {
      this.pipeline = pipeline;
      this.workerId = workerId;
    }

    public Builder bindAddress(String address) {
      this.bindAddress = address;
      return this;
    }

    public Builder port(int value) {
      this.port = value;
      return this;
    }

    /** host:port to announce; null announces the host name and the bound port. */
    public Builder advertisedAddress(String hostAndPort) {
      this.advertisedAddress = hostAndPort;
      return this;
    }

    public Builder etcd(Optional<EtcdSettings> settings) {
      this.etcd = settings;
      return this;
    }

    public Builder metricsPort(int value) {
      this.metricsPort = value;
      return this;
    }

    public Builder compute(int threads, int queue) {
      this.computeThreads = threads;
      this.queueCapacity = queue;
      return this;
    }

    public Builder maxSlices(int value) {
      this.maxSlices = value;
      return this;
    }

    /** Batch sizes to warm a new slice with; empty announces slices without warming them. */
    public Builder warmUpBatchSizes(List<Integer> sizes) {
      this.warmUpBatchSizes = sizes;
      return this;
    }

    public Builder hopTimeout(Duration value) {
      this.hopTimeout = value;
      return this;
    }

    public Builder shutdownGrace(Duration value) {
      this.shutdownGrace = value;
      return this;
    }

    public Builder peerTls(Optional<PeerTls> tls) {
      this.peerTls = tls;
      return this;
    }

    public Builder healthPort(int value) {
      this.healthPort = value;
      return this;
    }

    public WorkerSettings build() {
      return new WorkerSettings(
          pipeline,
          workerId,
          bindAddress,
          port,
          advertisedAddress,
          etcd,
          metricsPort,
          computeThreads,
          queueCapacity,
          maxSlices,
          warmUpBatchSizes,
          maxSliceBytes,
          hopTimeout,
          shutdownGrace,
          peerTls,
          healthPort);
    }
  }
}
