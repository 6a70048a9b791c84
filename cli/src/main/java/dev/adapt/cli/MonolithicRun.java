package dev.adapt.cli;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.Batch;
import dev.adapt.dispatcher.Batcher;
import dev.adapt.dispatcher.BatchingConfig;
import dev.adapt.dispatcher.DispatcherMetrics;
import dev.adapt.dispatcher.ModelInfo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The baseline: the unsplit model in one TensorFlow session that may use every core, behind the
 * same dynamic batching as the pipeline (one batch at a time), driven by the same number of
 * concurrent callers, in this process (no network).
 */
final class MonolithicRun {
  private MonolithicRun() {}

  static double throughput(
      LoadedModel loaded,
      ModelInfo model,
      BenchInputs inputs,
      BatchingConfig pipelineBatching,
      int requests,
      int warmup,
      int concurrency)
      throws Exception {
    BatchingConfig batching =
        new BatchingConfig(
            pipelineBatching.maxBatchSize(),
            pipelineBatching.maxQueueDelay(),
            Math.max(pipelineBatching.queueCapacity(), concurrency),
            1,
            pipelineBatching.defaultTimeout());
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try (UnsplitModel unsplit = new UnsplitModel(loaded, ExecutorOptions.DEFAULT);
        Batcher batcher =
            new Batcher(
                (Batch batch) ->
                    CompletableFuture.supplyAsync(() -> unsplit.run(batch.input()), runner),
                batching,
                new DispatcherMetrics())) {
      OipClient local =
          new OipClient() {
            @Override
            public Reply infer(String id, HostTensor input) throws Exception {
              return new Reply(id, batcher.submit(id, input, null).get(2, TimeUnit.MINUTES));
            }

            @Override
            public void close() {}
          };
      if (warmup > 0) {
        LoadRun.run(
            () -> local,
            warmup,
            concurrency,
            inputs::input,
            null,
            0,
            d -> {},
            new ProgressBar(System.err, 1, false));
      }
      LoadRun.Result result =
          LoadRun.run(
              () -> local,
              requests,
              concurrency,
              inputs::input,
              inputs::expected,
              BenchCommand.TOLERANCE,
              d -> {},
              new ProgressBar(System.err, requests, false));
      if (result.failed() > 0) {
        throw new IllegalStateException(
            "the unsplit model failed " + result.failed() + " requests: " + result.failures());
      }
      return result.throughput();
    } finally {
      runner.shutdownNow();
    }
  }
}
