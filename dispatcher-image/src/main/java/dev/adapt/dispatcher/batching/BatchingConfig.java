package dev.adapt.dispatcher.batching;

import java.time.Duration;

/**
 * Dynamic batching and admission settings.
 *
 * @param maxBatchSize rows merged into one batch at most
 * @param maxQueueDelay how long the first request of a batch waits for company
 * @param queueCapacity requests admitted but not yet in a batch; beyond it requests are refused
 * @param maxInFlightBatches batches travelling the pipeline at once (keeps every stage busy)
 * @param defaultTimeout deadline of a request that does not bring its own
 */
public record BatchingConfig(
    int maxBatchSize,
    Duration maxQueueDelay,
    int queueCapacity,
    int maxInFlightBatches,
    Duration defaultTimeout) {

  public BatchingConfig {
    if (maxBatchSize < 1 || queueCapacity < 1 || maxInFlightBatches < 1) {
      throw new IllegalArgumentException(
          "batch size, queue capacity and batches in flight must be at least 1");
    }
    if (maxQueueDelay.isNegative() || defaultTimeout.isNegative() || defaultTimeout.isZero()) {
      throw new IllegalArgumentException("queue delay must be >= 0 and the timeout > 0");
    }
  }

  /**
   * Defaults for a pipeline of {@code stages} stages: one batch in flight per stage. More batches
   * in flight keep stages busier but, at a given number of waiting requests, make every batch
   * smaller; on ResNet-50 with 4 stages on 2 cores one per stage measured best
   * (docs/benchmarks.md).
   */
  public static BatchingConfig forStages(int stages) {
    return new BatchingConfig(8, Duration.ofMillis(5), 256, stages, Duration.ofSeconds(60));
  }
}
