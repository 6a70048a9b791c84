package dev.adapt.dispatcher;

import dev.adapt.core.wire.TensorWireCodec;
import dev.adapt.dispatcher.batching.BatchingConfig;
import dev.adapt.dispatcher.routing.RouterConfig;
import dev.adapt.proto.v1.Compression;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Batching and routing options shared by the dispatcher's own command and {@code adapt local}. */
public final class ServingOptions {

  @Option(
      names = "--max-batch-size",
      defaultValue = "8",
      description = "Rows merged into one batch at most (default: ${DEFAULT-VALUE}).")
  int maxBatchSize;

  @Option(
      names = "--max-queue-delay-ms",
      defaultValue = "5",
      description =
          "How long the first request of a batch waits for others, in ms (default:"
              + " ${DEFAULT-VALUE}).")
  long maxQueueDelayMs;

  @Option(
      names = "--queue-capacity",
      defaultValue = "256",
      description =
          "Requests waiting for a batch at most; more get 429 (default: ${DEFAULT-VALUE}).")
  int queueCapacity;

  @Option(
      names = "--max-in-flight",
      description = "Batches travelling the pipeline at once (default: 1 per stage).")
  Integer maxInFlight;

  @Option(
      names = "--timeout-ms",
      defaultValue = "60000",
      description = "Deadline of requests that bring none, in ms (default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Option(
      names = "--attempt-timeout-ms",
      defaultValue = "10000",
      description =
          "How long one pass through the pipeline may take before the batch is replayed, in ms"
              + " (default: ${DEFAULT-VALUE}).")
  long attemptTimeoutMs;

  @Option(
      names = "--compression",
      defaultValue = "lz4",
      description =
          "Compression of activations between stages: lz4 or none (default: ${DEFAULT-VALUE}).")
  String compression;

  /** Batches in flight at once for a plan of {@code stages} stages. */
  public int maxInFlightFor(int stages) {
    return maxInFlight != null ? maxInFlight : stages;
  }

  /** Sets what these options describe, for a pipeline of {@code stages} stages. */
  public DispatcherSettings.Builder apply(DispatcherSettings.Builder base, int stages) {
    return applyWithInFlight(base, maxInFlightFor(stages));
  }

  /**
   * Sets what these options describe, with {@code maxInFlightBatches} batches in flight: for a
   * baseline that must keep as many batches in flight as the pipeline it is compared with, whatever
   * its own stage count.
   */
  public DispatcherSettings.Builder applyWithInFlight(
      DispatcherSettings.Builder base, int maxInFlightBatches) {
    Compression wire = TensorWireCodec.parseCompression(compression);
    RouterConfig defaults = base.router();
    return base.batching(
            new BatchingConfig(
                maxBatchSize,
                Duration.ofMillis(maxQueueDelayMs),
                queueCapacity,
                maxInFlightBatches,
                Duration.ofMillis(timeoutMs)))
        .router(
            new RouterConfig(
                Duration.ofMillis(attemptTimeoutMs),
                defaults.quarantine(),
                defaults.maxAttempts(),
                wire));
  }
}
