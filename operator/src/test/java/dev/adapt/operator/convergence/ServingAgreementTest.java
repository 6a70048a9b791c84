package dev.adapt.operator.convergence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.Subscription;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerRegistration;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.core.model.ModelSource;
import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.testing.EtcdServer;
import dev.adapt.dispatcher.Dispatcher;
import dev.adapt.dispatcher.DispatcherSettings;
import dev.adapt.dispatcher.plans.Replica;
import dev.adapt.dispatcher.plans.ServedPipeline;
import dev.adapt.dispatcher.plans.StageSlice;
import dev.adapt.dispatcher.requests.ModelInfo;
import dev.adapt.operator.convergence.WorkerPlanner.Facts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator and a real dispatcher, over a real etcd, cannot disagree on the plan in service,
 * even when the operator's watch skips the snapshots in which the dispatcher switched: the operator
 * is paused while the dispatcher switches to generation 2 and then publishes generation 3. From the
 * two snapshots the operator sees, no rule could tell that generation 2 took over (it is never the
 * published plan with every stage served in them); the {@code serving} record says so.
 */
class ServingAgreementTest {
  /** Generous: the machine is shared and etcd's watch is asynchronous. */
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static final String PIPELINE = "agree";
  private static final String PREFIX = "agree-worker-";
  private static final ModelInfo MODEL =
      new ModelInfo(
          "cnn",
          "1",
          "tensorflow_graphdef",
          new TensorSpec("x", DType.FLOAT32, new long[] {-1, 4}),
          new TensorSpec("y", DType.FLOAT32, new long[] {-1, 10}));
  private static final ModelSource SOURCE = ModelSource.parse("/models/cnn");

  /** Two stages of one replica and two standbys: four workers, ordinals 0 to 3. */
  private static final StageLayout LAYOUT = StageLayout.of(2, 1, 2);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Map<String, WorkerRegistration> workers = new TreeMap<>();
  private EtcdServer etcd;
  private Membership operatorSide;

  @BeforeEach
  void start() {
    etcd = EtcdServer.start();
    operatorSide = track(connect());
    Membership workerSide = track(connect());
    for (int ordinal = 0; ordinal < 4; ordinal++) {
      String id = PREFIX + ordinal;
      workers.put(
          id,
          workerSide.register(
              new WorkerRecord(
                  id, "127.0.0.1:1", "CPU", WorkerState.READY, List.of(), 0, ordinal + 1)));
    }
  }

  @AfterEach
  void stop() throws Exception {
    workers.values().forEach(WorkerRegistration::close);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    etcd.close();
  }

  @Test
  void theOperatorKeepsTheWorkersOfThePlanTheDispatcherServesWhenItsWatchSkippedTheSwitch() {
    Membership dispatcherSide = track(connect());
    Dispatcher dispatcher = track(new Dispatcher(pipeline(1), dispatcherSide, settings()).start());

    // Plan 1 goes into service.
    reconcile(awaitOperatorSees(s -> s.workers().size() == 4 && publishedGeneration(s) == 1), 1);
    loadSlicesOf(1);
    awaitOperatorSees(s -> servingGeneration(s) == 1);
    assertThat(dispatcher.planGeneration()).isEqualTo(1);

    // Plan 2 is published; the operator rolls the standbys onto it, then its watch stalls.
    dispatcher.replan(pipeline(2), 2);
    WorkerPlan rollingOut = reconcile(awaitOperatorSees(s -> publishedGeneration(s) == 2), 2);
    assertThat(rollingOut.serving().map(ServingRecord::generation)).contains(1L);
    List<MembershipSnapshot> delivered = new CopyOnWriteArrayList<>();
    CountDownLatch paused = new CountDownLatch(1);
    Subscription watch =
        track(
            operatorSide.subscribe(
                snapshot -> {
                  delivered.add(snapshot);
                  awaitQuietly(paused);
                }));
    await().atMost(WAIT).until(() -> delivered.size() == 1);

    // Meanwhile the dispatcher switches to plan 2 and is handed plan 3.
    loadSlicesOf(2);
    await().atMost(WAIT).until(() -> dispatcher.planGeneration() == 2);
    dispatcher.replan(pipeline(3), 2);
    awaitOperatorSees(s -> publishedGeneration(s) == 3 && servingGeneration(s) == 2);
    paused.countDown();
    await().atMost(WAIT).until(() -> delivered.size() >= 2);
    watch.close();

    assertThat(delivered)
        .as("no snapshot the operator received shows plan 2 published with every stage served")
        .noneMatch(
            s -> s.plan().filter(p -> p.generation() == 2).filter(s::servesEveryStage).isPresent());
    MembershipSnapshot seen = delivered.get(delivered.size() - 1);
    Map<String, Assignment> servingTwo = ofGeneration(seen.assignments(), 2);
    assertThat(servingTwo).hasSize(2);
    WorkerPlan decision = reconcile(seen, 3);

    assertThat(decision.serving().map(ServingRecord::generation))
        .as("the operator's plan in service is the dispatcher's")
        .contains(dispatcher.planGeneration())
        .contains(2L);
    Map<String, Assignment> assignments = decision.assignments().orElseThrow();
    assertThat(assignments)
        .as("the workers of plan 2 keep their stages")
        .containsAllEntriesOf(servingTwo);
    assertThat(ofGeneration(assignments, 3).values())
        .as("the workers of the overtaken plan 1 move on to plan 3")
        .extracting(Assignment::stage)
        .containsExactlyInAnyOrder(0, 1);
    // The dispatcher sees the new assignments and keeps routing plan 2 through its workers.
    List<List<String>> routes =
        List.of(List.of(workerOf(servingTwo, 0)), List.of(workerOf(servingTwo, 1)));
    await()
        .atMost(WAIT)
        .during(Duration.ofSeconds(1))
        .until(
            () ->
                ofGeneration(dispatcherSide.snapshot().assignments(), 3).size() == 2
                    && dispatcher.ready()
                    && replicaIds(dispatcher).equals(routes));

    // Plan 3 loads and takes over; both sides move on together.
    loadSlicesOf(3);
    await().atMost(WAIT).until(() -> dispatcher.planGeneration() == 3);
    WorkerPlan settled = reconcile(awaitOperatorSees(s -> servingGeneration(s) == 3), 3);
    assertThat(settled.serving().map(ServingRecord::generation)).contains(3L);
  }

  /**
   * One reconciliation's decision from {@code snapshot}, written to etcd as the reconciler does.
   */
  private WorkerPlan reconcile(MembershipSnapshot snapshot, long specGeneration) {
    List<WorkerPod> pods =
        IntStream.range(0, 4)
            .mapToObj(ordinal -> new WorkerPod(PREFIX + ordinal, ordinal, true, true, true))
            .toList();
    WorkerPlan decision =
        WorkerPlanner.plan(
            new Facts(
                LAYOUT,
                specGeneration,
                Optional.of(snapshot),
                pods,
                Optional.empty(),
                ServingAgreementTest::ordinal,
                ordinal -> PREFIX + ordinal));
    decision.assignments().ifPresent(operatorSide::applyAssignments);
    return decision;
  }

  /**
   * The workers assigned a stage of {@code generation} load its slice, as the dispatcher's push
   * would make them.
   */
  private void loadSlicesOf(long generation) {
    ofGeneration(operatorSide.snapshot().assignments(), generation)
        .values()
        .forEach(
            assignment -> {
              WorkerRegistration registration = workers.get(assignment.workerId());
              registration.update(
                  registration
                      .current()
                      .withSlices(List.of(slice(generation, assignment.stage()))));
            });
  }

  private static Map<String, Assignment> ofGeneration(
      Map<String, Assignment> assignments, long generation) {
    Map<String, Assignment> of = new TreeMap<>(assignments);
    of.values().removeIf(a -> a.isStandby() || a.planGeneration() != generation);
    return of;
  }

  private static String workerOf(Map<String, Assignment> assignments, int stage) {
    return assignments.values().stream()
        .filter(a -> a.stage() == stage)
        .map(Assignment::workerId)
        .findFirst()
        .orElseThrow();
  }

  private static List<List<String>> replicaIds(Dispatcher dispatcher) {
    return dispatcher.replicas().stream()
        .map(stage -> stage.stream().map(Replica::workerId).toList())
        .toList();
  }

  /**
   * Polls the operator's view. It does not subscribe: while the operator's watch is paused its
   * listeners get nothing, but its view of etcd still moves on.
   */
  private MembershipSnapshot awaitOperatorSees(Predicate<MembershipSnapshot> condition) {
    return await().atMost(WAIT).until(operatorSide::snapshot, condition);
  }

  private static long servingGeneration(MembershipSnapshot snapshot) {
    return snapshot.serving().map(ServingRecord::generation).orElse(0L);
  }

  private static long publishedGeneration(MembershipSnapshot snapshot) {
    return snapshot.plan().map(PlanRecord::generation).orElse(0L);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Membership connect() {
    return EtcdMembership.connect(etcd.clientSettings(), PIPELINE);
  }

  private <T extends AutoCloseable> T track(T closeable) {
    closeables.add(0, closeable);
    return closeable;
  }

  private static DispatcherSettings settings() {
    return DispatcherSettings.builder(2).ports("127.0.0.1", 0, 0).build();
  }

  private static OptionalInt ordinal(String id) {
    return id.startsWith(PREFIX)
        ? OptionalInt.of(Integer.parseInt(id.substring(PREFIX.length())))
        : OptionalInt.empty();
  }

  private static String slice(long generation, int stage) {
    return "g" + generation + "s" + stage;
  }

  /** A two-stage plan of the same model; only its generation (and so its slices) differ. */
  private static ServedPipeline pipeline(long generation) {
    List<PlanStage> stages = new ArrayList<>();
    List<StageSlice> slices = new ArrayList<>();
    for (int stage = 0; stage < 2; stage++) {
      stages.add(new PlanStage(stage, "in", "out", 1, 1, 1, slice(generation, stage)));
      slices.add(new StageSlice(stage, slice(generation, stage), new byte[] {(byte) stage}));
    }
    PlanRecord plan =
        new PlanRecord(
            generation,
            SOURCE.uri(),
            "spec-" + generation,
            List.of("cut"),
            stages,
            null,
            List.of());
    return new ServedPipeline(MODEL, SOURCE, plan, slices);
  }
}
