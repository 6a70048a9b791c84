package dev.adapt.dispatcher.batching;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.metrics.DispatcherMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class BatcherTest {

  private static HostTensor row(float value) {
    return HostTensor.ofFloats(new long[] {1, 4}, new float[] {value, 0, 0, 0});
  }

  @Test
  void requestsQueuedWhileSlotsAreBusyAreMergedAndSplitBack() throws Exception {
    RowStatsRunner runner = new RowStatsRunner();
    DispatcherMetrics metrics = new DispatcherMetrics();
    try (Batcher batcher =
        new Batcher(
            runner,
            new BatchingConfig(4, Duration.ofMillis(1), 64, 1, Duration.ofSeconds(30)),
            metrics)) {
      runner.close();
      CompletableFuture<HostTensor> first = batcher.submit("r0", row(0), null);
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> runner.batchSizes().size() == 1);
      List<CompletableFuture<HostTensor>> queued = new ArrayList<>();
      for (int i = 1; i <= 6; i++) {
        queued.add(batcher.submit("r" + i, row(i), null));
      }
      runner.open();
      assertThat(first.get(10, TimeUnit.SECONDS).toFloatArray()).containsExactly(0f, 0f);
      for (int i = 1; i <= 6; i++) {
        HostTensor output = queued.get(i - 1).get(10, TimeUnit.SECONDS);
        assertThat(output.shape()).containsExactly(1, 2);
        assertThat(output.toFloatArray()).containsExactly((float) i, (float) i);
      }
      // The six waiting requests went as one full batch of four and the remaining two.
      assertThat(runner.batchSizes()).containsExactly(1, 4, 2);
    }
  }

  @Test
  void multiRowRequestsKeepTheirRows() throws Exception {
    RowStatsRunner runner = new RowStatsRunner();
    try (Batcher batcher =
        new Batcher(
            runner,
            new BatchingConfig(8, Duration.ofMillis(1), 64, 1, Duration.ofSeconds(30)),
            new DispatcherMetrics())) {
      runner.close();
      CompletableFuture<HostTensor> first = batcher.submit("a", row(1), null);
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> runner.batchSizes().size() == 1);
      HostTensor three =
          HostTensor.ofFloats(new long[] {3, 4}, new float[] {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3});
      CompletableFuture<HostTensor> multi = batcher.submit("b", three, null);
      CompletableFuture<HostTensor> single = batcher.submit("c", row(5), null);
      runner.open();
      first.get(10, TimeUnit.SECONDS);
      assertThat(multi.get(10, TimeUnit.SECONDS).toFloatArray())
          .containsExactly(4f, 1f, 8f, 2f, 12f, 3f);
      assertThat(single.get(10, TimeUnit.SECONDS).toFloatArray()).containsExactly(5f, 5f);
      assertThat(runner.batchSizes()).containsExactly(1, 4);
    }
  }

  @Test
  void requestsOfDifferentLanesAreNeverMerged() throws Exception {
    RowStatsRunner runner = new RowStatsRunner();
    try (Batcher batcher =
        new Batcher(
            runner,
            new BatchingConfig(8, Duration.ofMillis(1), 64, 1, Duration.ofSeconds(30)),
            new DispatcherMetrics())) {
      runner.close();
      CompletableFuture<HostTensor> first = batcher.submit("a", row(1), null, 1);
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> runner.batchSizes().size() == 1);
      List<CompletableFuture<HostTensor>> queued = new ArrayList<>();
      queued.add(batcher.submit("b", row(2), null, 1));
      queued.add(batcher.submit("c", row(3), null, 2));
      queued.add(batcher.submit("d", row(4), null, 2));
      runner.open();
      first.get(10, TimeUnit.SECONDS);
      for (CompletableFuture<HostTensor> answer : queued) {
        answer.get(10, TimeUnit.SECONDS);
      }
      assertThat(runner.batchSizes()).containsExactly(1, 1, 2);
    }
  }

  @Test
  void theNumberOfBatchesInFlightCanChangeWhileBatchesTravel() throws Exception {
    RowStatsRunner runner = new RowStatsRunner();
    try (Batcher batcher =
        new Batcher(
            runner,
            new BatchingConfig(1, Duration.ZERO, 64, 2, Duration.ofSeconds(30)),
            new DispatcherMetrics())) {
      runner.close();
      List<CompletableFuture<HostTensor>> answers = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        answers.add(batcher.submit("r" + i, row(i), null));
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> runner.batchSizes().size() == 2);
      batcher.maxInFlight(4);
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> runner.batchSizes().size() == 4);
      // Down to one: the four in flight must all come back before the next batch starts.
      batcher.maxInFlight(1);
      runner.open();
      for (CompletableFuture<HostTensor> answer : answers) {
        answer.get(10, TimeUnit.SECONDS);
      }
      assertThat(runner.batchSizes()).hasSize(6);
      runner.close();
      CompletableFuture<HostTensor> held = batcher.submit("x", row(7), null);
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> runner.batchSizes().size() == 7);
      CompletableFuture<HostTensor> waiting = batcher.submit("y", row(8), null);
      CompletableFuture<HostTensor> alsoWaiting = batcher.submit("z", row(9), null);
      // With one slot, y and z wait in the queue while x travels.
      Awaitility.await()
          .during(Duration.ofMillis(200))
          .atMost(Duration.ofSeconds(10))
          .until(() -> runner.batchSizes().size() == 7);
      runner.open();
      held.get(10, TimeUnit.SECONDS);
      waiting.get(10, TimeUnit.SECONDS);
      alsoWaiting.get(10, TimeUnit.SECONDS);
    }
  }
}
