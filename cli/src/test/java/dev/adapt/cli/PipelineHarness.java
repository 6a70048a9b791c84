package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.testing.JavaProcess;
import dev.adapt.dispatcher.DispatcherSettings;
import dev.adapt.dispatcher.ServedPipeline;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.IntConsumer;

/** A local cluster of real worker JVMs for one test class, plus the unsplit model to check it. */
final class PipelineHarness implements AutoCloseable {
  final LocalCluster cluster;
  final UnsplitModel reference;
  private final Path logs;
  final BenchInputs inputs;

  PipelineHarness(
      LoadedModel model,
      ServedPipeline served,
      int replicas,
      int standbys,
      String pipeline,
      String etcd,
      DispatcherSettings settings)
      throws Exception {
    try {
      logs = Files.createTempDirectory("adapt-e2e-" + pipeline + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    WorkerProcess.Spec spec =
        new WorkerProcess.Spec(
            JavaProcess.testClassPath(), pipeline, etcd, 1, 1, false, 2, "384m", logs);
    reference = new UnsplitModel(model, ExecutorOptions.DEFAULT);
    inputs = new BenchInputs(served.model().input(), 4, reference);
    cluster = LocalCluster.start(served, replicas, standbys, spec, settings);
    try {
      cluster.awaitReady(Duration.ofMinutes(3));
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + cluster.dispatcher().httpPort();
  }

  OipClient http() {
    var model = cluster.pipeline().model();
    return new HttpOipClient(
        baseUrl(),
        model.name(),
        model.input().name(),
        model.output().name(),
        Duration.ofMinutes(2));
  }

  OipClient grpc() {
    var model = cluster.pipeline().model();
    return new GrpcOipClient(
        "127.0.0.1:" + cluster.dispatcher().grpcPort(),
        model.name(),
        model.input().name(),
        Duration.ofMinutes(2));
  }

  /** Runs requests over HTTP and checks every answer; {@code afterAnswer} may inject faults. */
  LoadRun.Result load(int requests, int concurrency, IntConsumer afterAnswer) throws Exception {
    return LoadRun.run(
        this::http,
        requests,
        concurrency,
        inputs::input,
        inputs::expected,
        BenchCommand.TOLERANCE,
        afterAnswer,
        new ProgressBar(new PrintStream(PrintStream.nullOutputStream()), requests, false));
  }

  static void assertAllCorrect(LoadRun.Result result) {
    assertThat(result.failures()).isEmpty();
    assertThat(result.failed()).isZero();
    assertThat(result.duplicates()).isZero();
    assertThat(result.mismatches()).isZero();
    assertThat(result.succeeded()).isEqualTo(result.requests());
  }

  @Override
  public void close() {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      reference.close();
      if (cluster != null) {
        cluster.deleteWorkerLogs();
      }
    }
  }
}
