package dev.adapt.worker;

import dev.adapt.core.slice.SliceExecutor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads verified slices on the loader thread and adds them to the store; concurrent transfers of
 * the same slice share one load. Batches keep running on the slices already held meanwhile.
 */
final class SliceInstaller {
  private static final Logger LOG = LoggerFactory.getLogger(SliceInstaller.class);

  private final SliceLoader loader;
  private final SliceStore store;
  private final WorkerLifecycle lifecycle;
  private final Executor loadExecutor;
  private final List<Integer> warmUpBatchSizes;
  private final Map<String, CompletableFuture<Double>> loading = new ConcurrentHashMap<>();

  SliceInstaller(
      SliceLoader loader,
      SliceStore store,
      WorkerLifecycle lifecycle,
      Executor loadExecutor,
      List<Integer> warmUpBatchSizes) {
    this.loader = loader;
    this.store = store;
    this.lifecycle = lifecycle;
    this.loadExecutor = loadExecutor;
    this.warmUpBatchSizes = List.copyOf(warmUpBatchSizes);
  }

  /**
   * Loads {@code artifact}, whose SHA-256 has been verified to be {@code sha256}; completes with
   * the milliseconds the load took. Fails with {@link IllegalArgumentException} when the bytes are
   * not a slice, and with {@link java.util.concurrent.RejectedExecutionException} when too many
   * loads are queued.
   */
  CompletableFuture<Double> install(String sha256, byte[] artifact) {
    CompletableFuture<Double> started = new CompletableFuture<>();
    CompletableFuture<Double> existing = loading.putIfAbsent(sha256, started);
    if (existing != null) {
      return existing;
    }
    try {
      loadExecutor.execute(() -> load(sha256, artifact, started));
    } catch (RuntimeException rejected) {
      loading.remove(sha256, started);
      started.completeExceptionally(rejected);
    }
    return started;
  }

  private void load(String sha256, byte[] artifact, CompletableFuture<Double> result) {
    long start = System.nanoTime();
    lifecycle.loadStarted();
    Throwable failure = null;
    long warmUpMillis = 0;
    try {
      SliceExecutor executor = loader.load(artifact);
      if (!executor.sha256().equals(sha256)) {
        executor.close();
        throw new IllegalArgumentException(
            "the loaded slice reports hash " + executor.sha256() + ", not " + sha256);
      }
      warmUpMillis = warmUp(sha256, executor);
      store.add(executor);
    } catch (RuntimeException | LinkageError e) {
      failure = e;
    } finally {
      lifecycle.loadEnded();
      loading.remove(sha256, result);
    }
    // Answer only now, so that whoever hears of the load sees the worker's state after it.
    if (failure != null) {
      result.completeExceptionally(failure);
      return;
    }
    double millis = (System.nanoTime() - start) / 1e6;
    LOG.info(
        "loaded slice {} ({} bytes) in {} ms, of which {} ms warming it up",
        sha256,
        artifact.length,
        Math.round(millis),
        warmUpMillis);
    result.complete(millis);
  }

  /**
   * Runs the warm-up batches before the slice is announced, and returns the milliseconds they took:
   * a fresh TensorFlow session's first run takes from a tenth of a second to seconds (graph
   * optimisation, memory pools) where later ones take a fraction of that; real batches would
   * otherwise pay it, and under load it exceeded the dispatcher's attempt timeout.
   */
  private long warmUp(String sha256, SliceExecutor executor) {
    long start = System.nanoTime();
    for (int batchSize : warmUpBatchSizes) {
      try {
        if (!executor.warmUp(batchSize)) {
          LOG.info("slice {} has an input of unknown shape; not warmed", sha256);
          break;
        }
      } catch (RuntimeException e) {
        // A slice that fails on zeros may still serve real inputs; the batches will tell.
        LOG.warn("warming slice {} with a batch of {} failed: {}", sha256, batchSize, e.toString());
        break;
      }
    }
    return (System.nanoTime() - start) / 1_000_000;
  }
}
