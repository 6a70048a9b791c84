package dev.adapt.dispatcher;

import dev.adapt.core.wire.WireEncoding;
import dev.adapt.dispatcher.batching.BatchingConfig;
import dev.adapt.dispatcher.routing.RouterConfig;
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
          "Compression of activations between stages, lossless: none, lz4, or shuffle-lz4 (the"
              + " bytes of each element transposed before LZ4: smaller than lz4 on floats without"
              + " zeros, such as activations before a ReLU; larger after one) (default:"
              + " ${DEFAULT-VALUE}).")
  String compression;

  @Option(
      names = "--float-encoding",
      defaultValue = "exact",
      description =
          "How float32 activations travel between stages: exact, or float16 or bfloat16 (LOSSY:"
              + " rounded to 16 bits, half the bytes; answers differ slightly from the unsplit"
              + " model). The last stage always answers with exact floats (default:"
              + " ${DEFAULT-VALUE}).")
  String floatEncoding;

  /** How activations travel between stages. */
  public WireEncoding wireEncoding() {
    return new WireEncoding(
        WireEncoding.parseCompression(compression), WireEncoding.parseFloats(floatEncoding));
  }

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
    WireEncoding wire = wireEncoding();
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
