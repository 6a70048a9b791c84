package dev.adapt.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** The worker's Prometheus metrics; per-stage meters are tagged with the stage index. */
final class WorkerMetrics {
  private final MeterRegistry registry;

  WorkerMetrics(MeterRegistry registry, WorkerLifecycle lifecycle) {
    this.registry = registry;
    Gauge.builder("adapt.worker.inflight", lifecycle, WorkerLifecycle::outstanding)
        .description("Batches in flight on this worker, including those waiting on later hops")
        .register(registry);
  }

  MeterRegistry registry() {
    return registry;
  }

  void computed(int stage, long batchSize, long nanos) {
    Timer.builder("adapt.worker.compute")
        .description("Time to run this worker's slice on one batch")
        .tag("stage", Integer.toString(stage))
        .publishPercentileHistogram()
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
    DistributionSummary.builder("adapt.worker.batch.size")
        .description("Items per batch")
        .tag("stage", Integer.toString(stage))
        .register(registry)
        .record(batchSize);
  }

  /** One stage output sent on: its size before and after compression. */
  void output(int stage, long rawBytes, long wireBytes) {
    String tag = Integer.toString(stage);
    Counter.builder("adapt.worker.output.raw.bytes")
        .description("Bytes of stage outputs before compression")
        .baseUnit("bytes")
        .tag("stage", tag)
        .register(registry)
        .increment(rawBytes);
    Counter.builder("adapt.worker.output.wire.bytes")
        .description("Bytes of stage outputs as sent, after compression")
        .baseUnit("bytes")
        .tag("stage", tag)
        .register(registry)
        .increment(wireBytes);
    DistributionSummary.builder("adapt.worker.compression.ratio")
        .description("Raw bytes per sent byte of each stage output")
        .tag("stage", tag)
        .register(registry)
        .record(wireBytes == 0 ? 1.0 : (double) rawBytes / wireBytes);
  }

  /** A slice transfer ended: loaded, skipped (already held), corrupt or invalid. */
  void sliceLoad(String outcome, long nanos) {
    Timer.builder("adapt.worker.slice.loads")
        .description("Slice transfers by outcome, with the time to verify and load")
        .tag("outcome", outcome)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A slice was refused for holding an operation of {@code opType}, outside the allowlist. */
  void sliceRefused(String opType) {
    Counter.builder("adapt.worker.slices.refused")
        .description("Slices refused for holding operations that are not model arithmetic, by type")
        .tag("op_type", opType)
        .register(registry)
        .increment();
  }

  /** A batch failed; {@code reason} is a gRPC status code name. */
  void failed(String reason) {
    Counter.builder("adapt.worker.batch.failures")
        .description("Batches this worker answered with an error, by status")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }
}
