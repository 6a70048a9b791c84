package dev.adapt.cli;

import dev.adapt.core.concurrent.NamedThreads;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.batching.Batch;
import dev.adapt.dispatcher.batching.Batcher;
import dev.adapt.dispatcher.batching.BatchingConfig;
import dev.adapt.dispatcher.metrics.DispatcherMetrics;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The in-process baseline: the unsplit model in one TensorFlow session that may use every core,
 * behind the same dynamic batching as the pipeline (one batch at a time), driven by the same number
 * of concurrent callers, in this process (no network, no encoding). It has none of the serving
 * costs and one process instead of the pipeline's several, so it bounds what serving could reach
 * rather than matching the pipeline's budget ({@link ServedBaseline} does that).
 */
final class MonolithicRun implements AutoCloseable {
  static final String DESCRIPTION = "unsplit model in the bench process";
  static final String DETAIL =
      "one TensorFlow session using every core, the same batching with one batch at a time, no"
          + " network";

  private final UnsplitModel unsplit;
  private final ExecutorService runner =
      Executors.newSingleThreadExecutor(NamedThreads.daemon("monolithic-run"));
  private final Batcher batcher;
  private final BenchInputs inputs;

  MonolithicRun(LoadedModel loaded, BenchInputs inputs, BatchingConfig pipeline, int concurrency) {
    this.inputs = inputs;
    this.unsplit = new UnsplitModel(loaded, ExecutorOptions.DEFAULT);
    BatchingConfig batching =
        new BatchingConfig(
            pipeline.maxBatchSize(),
            pipeline.maxQueueDelay(),
            Math.max(pipeline.queueCapacity(), concurrency),
            1,
            pipeline.defaultTimeout());
    this.batcher =
        new Batcher(
            (Batch batch) ->
                CompletableFuture.supplyAsync(() -> unsplit.run(batch.input()), runner),
            batching,
            new DispatcherMetrics());
  }

  /** Sends the requests of {@code span} from {@code concurrency} callers; checks every answer. */
  LoadRun.Result run(LoadRun.Span span, int concurrency) throws InterruptedException {
    OipClient local =
        new OipClient() {
          @Override
          public Reply infer(String id, HostTensor input) throws Exception {
            return new Reply(id, batcher.submit(id, input, null).get(2, TimeUnit.MINUTES));
          }

          @Override
          public void close() {}
        };
    return LoadRun.run(
            () -> local,
            span,
            concurrency,
            inputs::input,
            inputs::expected,
            BenchCommand.TOLERANCE,
            done -> {},
            ProgressBar.silent())
        .requireAllCorrect("the unsplit model in the bench process");
  }

  @Override
  public void close() {
    batcher.close();
    runner.shutdownNow();
    unsplit.close();
  }
}
