package dev.adapt.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.operator.convergence.RolloutState;
import dev.adapt.operator.convergence.WorkerPlan;
import dev.adapt.operator.convergence.WorkerPlanner;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineStatus;
import dev.adapt.operator.crd.v1alpha1.Phase;
import dev.adapt.operator.crd.v1alpha1.PlanRollout;
import dev.adapt.operator.crd.v1alpha1.StageStatus;
import dev.adapt.operator.testing.Samples;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StatusCalculatorTest {

  private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
  private static final Instant T1 = Instant.parse("2026-01-01T10:05:00Z");
  private static final StageLayout LAYOUT = StageLayout.of(2, 1, 1);

  private final InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
  private final List<Pod> pods = new ArrayList<>();
  private final Map<String, WorkerRecord> workers = new TreeMap<>();
  private final Map<String, Assignment> assignments = new TreeMap<>();
  private PlanRecord plan =
      new PlanRecord(
          1,
          "builtin:resnet50",
          "h",
          List.of("conv3_block4_out"),
          List.of(
              new PlanStage(0, "input", "conv3_block4_out", 1, 1, 1, "a"),
              new PlanStage(1, "conv3_block4_out", "predictions", 1, 1, 1, "b")),
          null,
          List.of());

  private long specGeneration = 1;
  private Optional<WorkerPlan.Activity> activity = Optional.empty();

  private void worker(String id, boolean podReady, int stage, String... slices) {
    worker(id, podReady, stage, 1, slices);
  }

  private void worker(String id, boolean podReady, int stage, long generation, String... slices) {
    pods.add(
        new PodBuilder()
            .withNewMetadata()
            .withName(id)
            .endMetadata()
            .withNewStatus()
            .withPhase("Running")
            .addNewCondition()
            .withType("Ready")
            .withStatus(podReady ? "True" : "False")
            .endCondition()
            .endStatus()
            .build());
    workers.put(
        id, new WorkerRecord(id, id + ":9000", "CPU", WorkerState.READY, List.of(slices), 0, 0));
    assignments.put(id, new Assignment(id, stage, generation));
  }

  private InferencePipelineStatus compute(boolean dispatcherReady, Instant now) {
    MembershipSnapshot snapshot = new MembershipSnapshot(true, 1, workers, assignments, plan, null);
    // The plan in service as the dispatcher publishes it: the last status's, or the plan once
    // every stage of it is served.
    InferencePipelineStatus last = pipeline.getStatus();
    Optional<ServingRecord> serving =
        last == null || last.getPlanGeneration() == null
            ? Optional.empty()
            : Optional.of(
                new ServingRecord(
                    last.getPlanGeneration(), last.getStageCount(), last.getSplitPoints()));
    if (plan.generation() <= specGeneration
        && serving.map(s -> s.generation() < plan.generation()).orElse(true)
        && snapshot.servesEveryStage(plan)) {
      serving = Optional.of(ServingRecord.of(plan));
    }
    RolloutState state =
        RolloutState.of(
            new WorkerPlanner.Facts(
                LAYOUT,
                specGeneration,
                Optional.of(snapshot.withServing(serving.orElse(null))),
                List.of(),
                Optional.empty(),
                id -> OptionalInt.empty(),
                ordinal -> "w" + ordinal));
    WorkerPlan decision =
        new WorkerPlan(
            pods.stream().map(p -> p.getMetadata().getName()).toList(),
            Optional.of(new TreeMap<>(assignments)),
            activity,
            state);
    return StatusCalculator.compute(
        new StatusCalculator.Observed(
            pipeline,
            LAYOUT,
            specGeneration,
            Optional.of(snapshot),
            decision,
            pods,
            dispatcherReady,
            Optional.empty(),
            "http://resnet50-dispatcher.ml.svc:8000",
            now));
  }

  private static Condition condition(InferencePipelineStatus status, String type) {
    return status.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  private void allServing() {
    worker("w0", true, 0, "a");
    worker("w1", true, 1, "b");
    worker("w2", true, Assignment.STANDBY);
  }

  @Test
  void aFullPipelineIsReady() {
    allServing();

    InferencePipelineStatus status = compute(true, T0);

    assertThat(status.getPhase()).isEqualTo(Phase.Ready);
    assertThat(status.getReadyWorkers()).isEqualTo("3/3");
    assertThat(status.getStageCount()).isEqualTo(2);
    assertThat(status.getSplitPoints()).containsExactly("conv3_block4_out");
    assertThat(status.getStages())
        .containsExactly(
            new StageStatus(0, 1, 1, List.of("w0")), new StageStatus(1, 1, 1, List.of("w1")));
    assertThat(status.getStandbyReady()).isEqualTo(1);
    assertThat(status.getEndpoint()).isEqualTo("http://resnet50-dispatcher.ml.svc:8000");
    assertThat(condition(status, Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(condition(status, Conditions.READY).getObservedGeneration()).isEqualTo(1L);
    assertThat(condition(status, Conditions.PROGRESSING).getStatus()).isEqualTo("False");
    assertThat(condition(status, Conditions.DEGRADED).getStatus()).isEqualTo("False");
    assertThat(condition(status, Conditions.INVALID_SPEC).getStatus()).isEqualTo("False");
  }

  @Test
  void recomputingAnUnchangedPipelineGivesAnEqualStatus() {
    allServing();
    pipeline.setStatus(compute(true, T0));

    InferencePipelineStatus again = compute(true, T1);

    assertThat(again).isEqualTo(pipeline.getStatus());
    assertThat(condition(again, Conditions.READY).getLastTransitionTime())
        .isEqualTo("2026-01-01T10:00:00Z");
  }

  @Test
  void aWorkerThatHasNotLoadedItsSliceIsNotReady() {
    worker("w0", true, 0, "a");
    worker("w1", true, 1);
    worker("w2", true, Assignment.STANDBY);

    InferencePipelineStatus status = compute(true, T0);

    assertThat(status.getPhase()).isEqualTo(Phase.Deploying);
    assertThat(status.getStages().get(1).getReadyReplicas()).isZero();
    assertThat(status.getReadyWorkers()).isEqualTo("2/3");
    assertThat(condition(status, Conditions.PROGRESSING).getStatus()).isEqualTo("True");
  }

  @Test
  void losingAWorkerAfterBeingReadyIsDegradedAndTheTransitionIsRecorded() {
    allServing();
    pipeline.setStatus(compute(true, T0));
    pipeline.getStatus().setObservedGeneration(1L);
    pods.set(1, new PodBuilder(pods.get(1)).editStatus().withConditions().endStatus().build());

    InferencePipelineStatus status = compute(true, T1);

    assertThat(status.getPhase()).isEqualTo(Phase.Degraded);
    Condition degraded = condition(status, Conditions.DEGRADED);
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getMessage()).contains("stage 1 has 0/1 ready workers");
    assertThat(degraded.getLastTransitionTime()).isEqualTo("2026-01-01T10:05:00Z");
    assertThat(condition(status, Conditions.READY).getLastTransitionTime())
        .isEqualTo("2026-01-01T10:05:00Z");
  }

  @Test
  void podProblemsAreCopiedIntoTheDegradedCondition() {
    allServing();
    pods.add(
        PodProblemsTest.unschedulable(
            "w3", "0/2 nodes are available: 2 Insufficient nvidia.com/gpu."));
    assignments.remove("w0");

    InferencePipelineStatus status = compute(true, T0);

    assertThat(status.getPhase()).isEqualTo(Phase.Degraded);
    assertThat(condition(status, Conditions.DEGRADED).getMessage())
        .contains("w3 is unschedulable: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu.");
  }

  @Test
  void aRejectedPlanIsAnInvalidSpecListingTheValidSplitPoints() {
    plan =
        PlanRecord.failed(
            1,
            "builtin:resnet50",
            "h",
            "unknown split point conv9_block1_add",
            List.of("conv2_block1_add", "conv2_block2_add"));

    InferencePipelineStatus status = compute(true, T0);

    assertThat(status.getPhase()).isEqualTo(Phase.Failed);
    Condition invalid = condition(status, Conditions.INVALID_SPEC);
    assertThat(invalid.getStatus()).isEqualTo("True");
    assertThat(invalid.getReason()).isEqualTo("PlanRejected");
    assertThat(invalid.getMessage())
        .isEqualTo(
            "the dispatcher rejected plan generation 1: unknown split point conv9_block1_add."
                + " Valid split points: conv2_block1_add, conv2_block2_add");
    assertThat(condition(status, Conditions.PROGRESSING).getStatus()).isEqualTo("False");
  }

  @Test
  void anInvalidSpecKeepsWhatWasDeployed() {
    allServing();
    pipeline.setStatus(compute(true, T0));

    InferencePipelineStatus status =
        StatusCalculator.invalid(
            pipeline, List.of("spec.partitioning.stages must be at least 1, not 0"), T1);

    assertThat(status.getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(status, Conditions.INVALID_SPEC).getMessage())
        .isEqualTo("spec.partitioning.stages must be at least 1, not 0");
    assertThat(condition(status, Conditions.INVALID_SPEC).getReason()).isEqualTo("SpecRejected");
    assertThat(status.getStages()).hasSize(2);
    assertThat(status.getEndpoint()).isEqualTo("http://resnet50-dispatcher.ml.svc:8000");
  }

  @Test
  void withoutEtcdANewPipelineIsPending() {
    InferencePipelineStatus status =
        StatusCalculator.compute(
            new StatusCalculator.Observed(
                pipeline,
                LAYOUT,
                0,
                Optional.empty(),
                new WorkerPlan(
                    List.of(),
                    Optional.empty(),
                    Optional.of(
                        new WorkerPlan.Activity(
                            WorkerPlan.Reason.WaitingForEtcd, "waiting for etcd")),
                    new RolloutState.EtcdUnread(Optional.empty())),
                List.of(),
                false,
                Optional.of("waiting for the etcd StatefulSet resnet50-etcd to be ready"),
                "http://resnet50-dispatcher.ml.svc:8000",
                T0));

    assertThat(status.getPhase()).isEqualTo(Phase.Pending);
    Condition progressing = condition(status, Conditions.PROGRESSING);
    assertThat(progressing.getReason()).isEqualTo("WaitingForEtcd");
    assertThat(progressing.getMessage())
        .isEqualTo("waiting for the etcd StatefulSet resnet50-etcd to be ready");
  }

  @Test
  void duringARolloutTheStatusDescribesTheServingPlanAndTheRolloutApart() {
    allServing();
    pipeline.setStatus(compute(true, T0));
    specGeneration = 2;
    plan =
        new PlanRecord(
            2,
            "builtin:resnet50",
            "h2",
            List.of("conv2_block3_out", "conv4_block6_out"),
            List.of(
                new PlanStage(0, "input", "conv2_block3_out", 1, 1, 1, "x"),
                new PlanStage(1, "conv2_block3_out", "conv4_block6_out", 1, 1, 1, "y"),
                new PlanStage(2, "conv4_block6_out", "predictions", 1, 1, 1, "z")),
            null,
            List.of());
    workers.remove("w2");
    pods.remove(2);
    worker("w2", true, 0, 2, "x");
    worker("w3", true, 1, 2);
    activity =
        Optional.of(
            new WorkerPlan.Activity(
                WorkerPlan.Reason.RollingOutPlan,
                "rolling workers onto plan generation 2 (1/3 stages loaded) while plan generation"
                    + " 1 serves"));

    InferencePipelineStatus rolling = compute(true, T1);

    assertThat(rolling.getPlanGeneration()).isEqualTo(1L);
    assertThat(rolling.getSplitPoints()).containsExactly("conv3_block4_out");
    assertThat(rolling.getStageCount()).isEqualTo(2);
    assertThat(rolling.getStages())
        .extracting(StageStatus::getPods)
        .containsExactly(List.of("w0"), List.of("w1"));
    PlanRollout rollout = rolling.getRollout();
    assertThat(rollout.getWantedGeneration()).isEqualTo(2L);
    assertThat(rollout.getPlanGeneration()).isEqualTo(2L);
    assertThat(rollout.getSplitPoints()).containsExactly("conv2_block3_out", "conv4_block6_out");
    assertThat(rollout.getStageCount()).isEqualTo(3);
    assertThat(rollout.getStagesLoaded()).isEqualTo(1);
    assertThat(rolling.getPhase()).isEqualTo(Phase.Deploying);
    assertThat(condition(rolling, Conditions.PROGRESSING).getReason()).isEqualTo("RollingOutPlan");

    // The last stage loads: plan 2 serves, all workers move to it, the rollout is over.
    pipeline.setStatus(rolling);
    worker("w4", true, 2, 2, "z");
    worker("w3", true, 1, 2, "y");
    assignments.remove("w0");
    assignments.remove("w1");
    activity = Optional.empty();

    InferencePipelineStatus done = compute(true, T1);

    assertThat(done.getPlanGeneration()).isEqualTo(2L);
    assertThat(done.getSplitPoints()).containsExactly("conv2_block3_out", "conv4_block6_out");
    assertThat(done.getStageCount()).isEqualTo(3);
    assertThat(done.getRollout()).isNull();
  }

  @Test
  void whileTheDispatcherResolvesTheWantedSpecTheRolloutNamesOnlyIt() {
    allServing();
    pipeline.setStatus(compute(true, T0));
    specGeneration = 2;

    InferencePipelineStatus waiting = compute(true, T1);

    assertThat(waiting.getPlanGeneration()).isEqualTo(1L);
    assertThat(waiting.getRollout().getWantedGeneration()).isEqualTo(2L);
    assertThat(waiting.getRollout().getPlanGeneration()).isNull();
    assertThat(waiting.getPhase()).isNotEqualTo(Phase.Ready);
  }

  @ParameterizedTest
  @EnumSource(
      value = WorkerPlan.Reason.class,
      names = {"ModelLoadFailed", "DispatcherError"})
  void aSpecTheDispatcherCannotResolveIsDegradedWithItsMessageWhileTheServingPlanStays(
      WorkerPlan.Reason reason) {
    allServing();
    pipeline.setStatus(compute(true, T0));
    specGeneration = 2;
    String message =
        "dispatcher resnet50-dispatcher-0 cannot load model /models/missing for plan generation 2:"
            + " no SavedModel at /models/missing; plan generation 1 keeps serving";
    activity = Optional.of(new WorkerPlan.Activity(reason, message));

    InferencePipelineStatus failed = compute(true, T1);

    assertThat(failed.getPhase()).isEqualTo(Phase.Degraded);
    Condition degraded = condition(failed, Conditions.DEGRADED);
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getReason()).isEqualTo(reason.name());
    assertThat(degraded.getMessage()).contains(message);
    Condition progressing = condition(failed, Conditions.PROGRESSING);
    assertThat(progressing.getReason()).isEqualTo(reason.name());
    assertThat(progressing.getMessage()).isEqualTo(message);
    assertThat(condition(failed, Conditions.INVALID_SPEC).getStatus()).isEqualTo("False");
    assertThat(failed.getPlanGeneration()).isEqualTo(1L);
    assertThat(failed.getStages()).allSatisfy(s -> assertThat(s.getReadyReplicas()).isEqualTo(1));
    assertThat(failed.getRollout().getWantedGeneration()).isEqualTo(2L);
    assertThat(failed.getRollout().getPlanGeneration()).isNull();
  }
}
