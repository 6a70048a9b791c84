package dev.adapt.cli;

import static dev.adapt.cli.PipelineHarness.assertAllCorrect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.SpecRecord;
import dev.adapt.core.membership.StageAssigner;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.testing.EtcdServer;
import dev.adapt.core.testing.FreePorts;
import dev.adapt.core.testing.JavaProcess;
import dev.adapt.core.testing.TestModels;
import dev.adapt.dispatcher.DispatcherMain;
import dev.adapt.dispatcher.planning.PipelineFactory;
import dev.adapt.dispatcher.requests.ModelInfo;
import dev.adapt.worker.testing.WorkerProcess;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spec change under load: the dispatcher ({@code DispatcherMain}, its own JVM, as the operator
 * runs it) re-plans in process while it serves, with real worker JVMs and a real etcd. The test
 * plays the operator: it writes the spec, gives surge workers the stages of the new plan generation
 * with {@link StageAssigner}, keeps the old assignments until every new stage is served, then
 * retires the old workers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveReplanTest {
  private static final String PIPELINE = "live-replan";
  private static final Duration PLAN_WAIT = Duration.ofSeconds(120);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path logs;

  private static EtcdServer etcd;
  private static EtcdMembership operator;
  private static JavaProcess dispatcher;
  private static final Map<String, WorkerProcess> workers = new ConcurrentHashMap<>();
  private static UnsplitModel reference;
  private static BenchInputs inputs;
  private static ModelInfo model;
  private static String modelPath;
  private static String baseUrl;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    etcd = EtcdServer.start();
    LoadedModel loaded = TestModels.fixture(TestModels.KERAS_RESIDUAL_CNN);
    modelPath = TestModels.fixtureDirectory(TestModels.KERAS_RESIDUAL_CNN).toString();
    model = PipelineFactory.modelInfo(loaded);
    reference = new UnsplitModel(loaded, ExecutorOptions.DEFAULT);
    inputs = new BenchInputs(model.input(), 4, reference);

    operator = EtcdMembership.connect(etcd.clientSettings(), PIPELINE);
    operator.putSpec(new SpecRecord(modelPath, null, null, 2, 1));
    int httpPort = FreePorts.next();
    baseUrl = "http://127.0.0.1:" + httpPort;
    dispatcher =
        JavaProcess.start(
            "dispatcher",
            logs,
            List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
            DispatcherMain.class.getName(),
            List.of(
                "--etcd=" + etcd.endpoint(),
                "--pipeline=" + PIPELINE,
                "--host=127.0.0.1",
                "--http-port=" + httpPort,
                "--grpc-port=" + FreePorts.next()));
    // Two workers for the first plan, three spare ones for the next: started side by side.
    ExecutorService starter = Executors.newFixedThreadPool(5);
    try {
      List<Future<WorkerProcess>> started = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String id = "w" + i;
        started.add(
            starter.submit(
                () ->
                    WorkerProcess.start(
                        id,
                        logs,
                        List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                        List.of(
                            "--pipeline=" + PIPELINE,
                            "--etcd=" + etcd.endpoint(),
                            "--intra-op-threads=1",
                            "--inter-op-threads=1"))));
      }
      for (Future<WorkerProcess> worker : started) {
        WorkerProcess process = worker.get();
        workers.put(process.workerId(), process);
      }
    } finally {
      starter.shutdown();
    }

    PlanRecord first = awaitPlan(1);
    assertThat(first.isValid()).as(dispatcher.logTail(40)).isTrue();
    operator.applyAssignments(assign(first, List.of("w0", "w1"), Map.of()));
    Awaitility.await()
        .atMost(PLAN_WAIT)
        .until(() -> status("/v2/health/ready") == 200 && everyStageServed(first));
  }

  @AfterAll
  static void stop() {
    try {
      workers.values().forEach(WorkerProcess::close);
      if (dispatcher != null) {
        dispatcher.close();
      }
      if (operator != null) {
        operator.close();
      }
      if (reference != null) {
        reference.close();
      }
    } finally {
      if (etcd != null) {
        etcd.close();
      }
    }
  }

  @Test
  @Order(1)
  void twoStagesBecomeThreeUnderLoadWithEveryRequestAnsweredOnceAndCorrectly() throws Exception {
    try (Load load = new Load()) {
      load.awaitAnswers(20);
      operator.putSpec(new SpecRecord(modelPath, null, null, 3, 2));
      PlanRecord next = awaitPlan(2);
      assertThat(next.isValid()).as(dispatcher.logTail(40)).isTrue();
      assertThat(next.stageCount()).isEqualTo(3);

      // Surge: the spare workers take the new plan's stages; the old ones keep theirs.
      Map<String, Assignment> old = operator.snapshot().assignments();
      operator.applyAssignments(assign(next, List.of("w2", "w3", "w4"), old));
      Awaitility.await().atMost(PLAN_WAIT).until(() -> everyStageServed(next));
      int answeredBeforeHandover = load.answers();

      // Every stage of the new plan is served: the old workers lose their stages and stop.
      SortedMap<String, Assignment> onlyNew = new TreeMap<>(operator.snapshot().assignments());
      onlyNew.keySet().removeAll(List.of("w0", "w1"));
      operator.applyAssignments(onlyNew);
      for (String id : List.of("w0", "w1")) {
        workers.remove(id).stop(Duration.ofSeconds(20));
      }
      load.awaitAnswers(answeredBeforeHandover + 40);
      LoadRun.Result result = load.finish();

      assertAllCorrect(result);
      assertThat(metric("adapt_dispatcher_plan_generation")).isEqualTo(2);
      assertThat(metric("adapt_dispatcher_stage_latency_seconds_count{stage=\"2\"}"))
          .as("batches went through the third stage of the new plan")
          .isPositive();
      assertThat(dispatcher.logTail(400)).contains("switched from plan generation 1");
    }
  }

  @Test
  @Order(2)
  void anInvalidSplitPointIsReportedWhileTheCurrentPlanKeepsServing() throws Exception {
    try (Load load = new Load()) {
      load.awaitAnswers(10);
      operator.putSpec(new SpecRecord(modelPath, null, List.of("no_such_layer"), null, 3));
      PlanRecord failed = awaitPlan(3);
      assertThat(failed.isValid()).isFalse();
      assertThat(failed.error()).contains("no_such_layer");
      assertThat(failed.validCutPoints()).isNotEmpty();
      load.awaitAnswers(load.answers() + 20);
      assertAllCorrect(load.finish());
    }
    assertThat(metric("adapt_dispatcher_plan_generation")).isEqualTo(2);
    assertThat(status("/v2/health/ready")).isEqualTo(200);
    assertThat(status("/v2/models/" + model.name())).isEqualTo(200);
  }

  /** The stage assignments of {@code plan} for {@code ids}, on top of {@code kept}. */
  private static Map<String, Assignment> assign(
      PlanRecord plan, List<String> ids, Map<String, Assignment> kept) {
    MembershipSnapshot snapshot = operator.snapshot();
    List<WorkerRecord> candidates =
        ids.stream().map(id -> snapshot.workers().get(id)).filter(w -> w != null).toList();
    assertThat(candidates).as("registered: %s", snapshot.workers().keySet()).hasSize(ids.size());
    Map<String, Assignment> desired = new TreeMap<>(kept);
    desired.putAll(
        StageAssigner.assign(
            StageLayout.of(plan.stageCount(), 1, 0), plan.generation(), candidates, Map.of()));
    return desired;
  }

  /** Every stage of the plan has a READY worker that holds its slice and is assigned to it. */
  private static boolean everyStageServed(PlanRecord plan) {
    MembershipSnapshot snapshot = operator.snapshot();
    return plan.stages().stream()
        .allMatch(
            (PlanStage stage) ->
                snapshot.workers().values().stream()
                    .anyMatch(
                        w ->
                            w.state() == WorkerState.READY
                                && w.holds(stage.sliceSha256())
                                && snapshot
                                    .assignment(w.workerId())
                                    .filter(a -> a.planGeneration() == plan.generation())
                                    .filter(a -> a.stage() == stage.index())
                                    .isPresent()));
  }

  private static PlanRecord awaitPlan(long generation) throws Exception {
    return operator
        .await(s -> s.plan().filter(p -> p.generation() == generation).isPresent(), PLAN_WAIT)
        .plan()
        .orElseThrow();
  }

  private static int status(String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(baseUrl + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  /** A sample from the dispatcher's {@code /metrics}, e.g. {@code name{label="x"}}. */
  private static double metric(String sample) throws Exception {
    String body =
        http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(body);
    assertThat(matcher.find()).as("%s in%n%s", sample, body).isTrue();
    return Double.parseDouble(matcher.group(1));
  }

  /**
   * Requests from four callers over HTTP, round after round, until finished; every answer is
   * checked against the unsplit model.
   */
  private static final class Load implements AutoCloseable {
    private static final int ROUND = 16;
    private final AtomicInteger answers = new AtomicInteger();
    private final AtomicReference<LoadRun.Result> total = new AtomicReference<>();
    private final AtomicReference<Throwable> broken = new AtomicReference<>();
    private final Thread thread = new Thread(this::run, "replan-load");
    private volatile boolean finishing;

    Load() {
      thread.start();
    }

    private void run() {
      try {
        for (int first = 0; !finishing; first += ROUND) {
          LoadRun.Result round =
              LoadRun.run(
                  () ->
                      new HttpOipClient(
                          baseUrl,
                          model.name(),
                          model.input().name(),
                          model.output().name(),
                          Duration.ofMinutes(2)),
                  new LoadRun.Span(first, ROUND, 0),
                  4,
                  inputs::input,
                  inputs::expected,
                  BenchCommand.TOLERANCE,
                  done -> answers.incrementAndGet(),
                  new ProgressBar(new PrintStream(PrintStream.nullOutputStream()), ROUND, false));
          total.accumulateAndGet(round, (sum, next) -> sum == null ? next : sum.plus(next));
        }
      } catch (Throwable e) {
        broken.set(e);
      }
    }

    int answers() {
      return answers.get();
    }

    void awaitAnswers(int count) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> answers.get() >= count || broken.get() != null || !thread.isAlive());
      assertThat(broken.get()).isNull();
    }

    LoadRun.Result finish() throws InterruptedException {
      finishing = true;
      thread.join(120_000);
      assertThat(broken.get()).isNull();
      assertThat(thread.isAlive()).isFalse();
      return total.get();
    }

    @Override
    public void close() throws InterruptedException {
      finishing = true;
      thread.join(120_000);
    }
  }
}
