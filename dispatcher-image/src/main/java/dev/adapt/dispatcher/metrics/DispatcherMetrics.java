package dev.adapt.dispatcher.metrics;

import dev.adapt.dispatcher.requests.InferenceException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The dispatcher's Prometheus metrics, scraped at {@code /metrics}. */
public final class DispatcherMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter replays;
  private final Counter failovers;
  private final Counter rejected;
  private final DistributionSummary batchSizes;

  public DispatcherMetrics() {
    replays =
        Counter.builder("adapt_dispatcher_replays")
            .description("Batch attempts beyond the first (a hop failed and the batch was resent)")
            .register(registry);
    failovers =
        Counter.builder("adapt_dispatcher_failovers")
            .description("Workers taken out of routing after a failed hop")
            .register(registry);
    rejected =
        Counter.builder("adapt_dispatcher_rejected")
            .description("Requests refused because the queue was full")
            .register(registry);
    batchSizes =
        DistributionSummary.builder("adapt_dispatcher_batch_size")
            .description("Rows per batch sent into the pipeline")
            .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
            .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  public void queueDepth(Supplier<Number> depth) {
    Gauge.builder("adapt_dispatcher_queue_depth", depth)
        .description("Requests admitted and waiting for a batch")
        .register(registry);
  }

  public void inFlightBatches(Supplier<Number> count) {
    Gauge.builder("adapt_dispatcher_batches_in_flight", count)
        .description("Batches travelling the pipeline")
        .register(registry);
  }

  public void planGeneration(Supplier<Number> generation) {
    Gauge.builder("adapt_dispatcher_plan_generation", generation)
        .description("Generation of the plan that takes new requests")
        .register(registry);
  }

  public void requestDone(long nanos, Throwable error) {
    String outcome = error == null ? "ok" : InferenceException.from(error).kind().name();
    Timer.builder("adapt_dispatcher_request_latency")
        .description("Time from admission to the answer")
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  public void rejected() {
    rejected.increment();
  }

  public void batchSize(int rows) {
    batchSizes.record(rows);
  }

  public void replay() {
    replays.increment();
  }

  public void failover() {
    failovers.increment();
  }

  public double replays() {
    return replays.count();
  }

  /** One hop's report: compute time and the bytes its output took before and after compression. */
  public void hop(int stage, double computeMillis, long rawBytes, long wireBytes) {
    String tag = Integer.toString(stage);
    Timer.builder("adapt_dispatcher_stage_latency")
        .description("Compute time of a stage per batch, as reported by the worker")
        .tag("stage", tag)
        .publishPercentileHistogram()
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry)
        .record((long) (computeMillis * 1_000_000), TimeUnit.NANOSECONDS);
    Counter.builder("adapt_dispatcher_hop_bytes")
        .description("Bytes a stage's output took on the wire, before (raw) and after compression")
        .tag("stage", tag)
        .tag("form", "raw")
        .register(registry)
        .increment(rawBytes);
    Counter.builder("adapt_dispatcher_hop_bytes")
        .tag("stage", tag)
        .tag("form", "wire")
        .register(registry)
        .increment(wireBytes);
    DistributionSummary.builder("adapt_dispatcher_hop_compression_ratio")
        .description("Raw bytes per wire byte of a stage's output, per batch")
        .tag("stage", tag)
        .register(registry)
        .record(wireBytes == 0 ? 1.0 : (double) rawBytes / wireBytes);
  }
}
