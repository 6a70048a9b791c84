package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.testing.JavaProcess;
import dev.adapt.dispatcher.DispatcherSettings;
import dev.adapt.dispatcher.plans.ServedPipeline;
import io.grpc.ClientInterceptor;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.awaitility.Awaitility;

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
    this(model, served, replicas, standbys, pipeline, etcd, settings, null, List.of());
  }

  /**
   * With {@code tls}: every worker and the dispatcher get a certificate of its CA (mTLS). The
   * dispatcher's calls to workers go through {@code workerCalls}.
   */
  PipelineHarness(
      LoadedModel model,
      ServedPipeline served,
      int replicas,
      int standbys,
      String pipeline,
      String etcd,
      DispatcherSettings settings,
      LocalTls tls,
      List<ClientInterceptor> workerCalls)
      throws Exception {
    try {
      logs = Files.createTempDirectory("adapt-e2e-" + pipeline + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    WorkerProcess.Spec spec =
        new WorkerProcess.Spec(
            JavaProcess.testClassPath(), pipeline, etcd, 1, 1, false, 2, "384m", logs, tls);
    reference = new UnsplitModel(model, ExecutorOptions.DEFAULT);
    inputs = new BenchInputs(served.model().input(), 4, reference);
    cluster = LocalCluster.start(served, replicas, standbys, spec, settings, workerCalls);
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

  /**
   * SIGKILLs one of the two replicas of {@code stage} under load and checks that every request is
   * answered correctly (replayed on the other replica), then that the launcher's restart of the
   * killed worker serves again.
   */
  void assertKillingOneOfTwoReplicasLosesNoRequest(int stage) throws Exception {
    String victim = cluster.workerOfStage(stage).orElseThrow();
    AtomicBoolean killed = new AtomicBoolean();
    LoadRun.Result result =
        load(
            160,
            6,
            done -> {
              if (done >= 30 && killed.compareAndSet(false, true)) {
                cluster.kill(victim);
              }
            });
    assertThat(killed).isTrue();
    assertAllCorrect(result);
    assertThat(cluster.dispatcher().metrics().replays()).isPositive();
    Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> cluster.dispatcher().replicas().get(stage).size() == 2);
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
