package dev.adapt.operator.status;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.operator.convergence.RolloutState;
import dev.adapt.operator.convergence.WorkerPlan;
import dev.adapt.operator.convergence.WorkerPlan.Activity;
import dev.adapt.operator.convergence.WorkerPlan.Reason;
import dev.adapt.operator.convergence.WorkerPlanner;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineStatus;
import dev.adapt.operator.crd.v1alpha1.Phase;
import dev.adapt.operator.crd.v1alpha1.PlanRollout;
import dev.adapt.operator.crd.v1alpha1.StageStatus;
import dev.adapt.operator.resources.EtcdEndpoints;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Computes a pipeline's status from what one reconciliation observed and decided. Pure: the same
 * facts give an equal status, so that an unchanged pipeline is never patched.
 */
public final class StatusCalculator {

  private static final int MAX_LISTED_CUT_POINTS = 60;

  /**
   * Everything the status of a valid spec is computed from (an invalid one: {@link #invalid}).
   *
   * @param layout the stages and replicas the spec asks for
   * @param specGeneration the generation of the partitioning request in etcd (0 when unknown)
   * @param snapshot the membership, empty when etcd has not been read
   * @param workers the decision of this reconciliation
   * @param waitingFor what the pipeline waits for before etcd can be read, e.g. the etcd
   *     StatefulSet; empty when etcd should be readable
   */
  public record Observed(
      InferencePipeline pipeline,
      StageLayout layout,
      long specGeneration,
      Optional<MembershipSnapshot> snapshot,
      WorkerPlan workers,
      List<Pod> workerPods,
      boolean dispatcherReady,
      Optional<String> waitingFor,
      String endpoint,
      Instant now) {}

  private StatusCalculator() {}

  public static InferencePipelineStatus compute(Observed o) {
    InferencePipeline pipeline = o.pipeline();
    InferencePipelineStatus previous =
        Objects.requireNonNullElseGet(pipeline.getStatus(), InferencePipelineStatus::new);
    InferencePipelineStatus status = new InferencePipelineStatus();
    status.setObservedGeneration(pipeline.getMetadata().getGeneration());
    status.setEndpoint(o.endpoint());

    Optional<PlanRecord> current =
        o.snapshot()
            .flatMap(MembershipSnapshot::plan)
            .filter(p -> p.generation() == o.specGeneration());
    Optional<String> invalid = current.flatMap(StatusCalculator::rejection);
    // Serving and loading plans as the decision's rollout state has them.
    RolloutState state = o.workers().state();
    Optional<ServingRecord> serving = state.serving();
    Optional<PlanRecord> target = state.loading();
    // The stages shown: the serving plan's; before any plan served, the plan being deployed's.
    Optional<PlanRecord> shownPlan;
    if (serving.isPresent()) {
      status.setPlanGeneration(serving.get().generation());
      status.setStageCount(serving.get().stageCount());
      status.setSplitPoints(new ArrayList<>(serving.get().splitPoints()));
      shownPlan = state.servingPlan();
    } else if (target.isPresent()) {
      status.setStageCount(target.get().stageCount());
      shownPlan = target;
    } else {
      shownPlan = Optional.empty();
      status.setStageCount(o.layout().stageCount());
    }
    boolean etcdRead = o.snapshot().map(MembershipSnapshot::synced).orElse(false);
    if (etcdRead
        && invalid.isEmpty()
        && serving.map(s -> s.generation() != o.specGeneration()).orElse(true)) {
      status.setRollout(rollout(o, target));
    }
    List<String> shortages = describeStages(o, shownPlan, status);
    if (!o.dispatcherReady()) {
      shortages.add("the dispatcher is not ready");
    }

    Optional<Activity> activity = o.workers().activity().filter(a -> etcdRead);
    if (!etcdRead && invalid.isEmpty()) {
      activity =
          Optional.of(
              new Activity(
                  Reason.WaitingForEtcd,
                  o.waitingFor()
                      .orElse(
                          "etcd at "
                              + String.join(",", EtcdEndpoints.inCluster(pipeline))
                              + " is not readable yet")));
    }
    Optional<String> podProblems = PodProblems.summary(o.workerPods());
    Optional<Reason> dispatcherFailure =
        activity.map(Activity::reason).filter(Reason::isDispatcherFailure);
    boolean servingWanted = serving.map(p -> p.generation() == o.specGeneration()).orElse(false);
    Phase phase =
        phase(
            previous,
            status,
            invalid,
            etcdRead,
            servingWanted,
            shortages,
            activity,
            podProblems.isPresent() || dispatcherFailure.isPresent());
    status.setPhase(phase);

    ConditionWriter conditions = new ConditionWriter(previous, status, o.now());
    if (invalid.isPresent()) {
      conditions.rejected("PlanRejected", invalid.get());
      return status;
    }
    String summary = String.join("; ", concat(activity.map(Activity::message), shortages));
    conditions.set(
        Conditions.READY,
        phase == Phase.Ready,
        phase == Phase.Ready ? "AllStagesReady" : phase.name(),
        phase == Phase.Ready
            ? "all "
                + status.getStageCount()
                + " stages have their ready workers; serving at "
                + o.endpoint()
            : summary);
    boolean progressing =
        phase == Phase.Pending || phase == Phase.Deploying || activity.isPresent();
    progressing &= phase != Phase.Failed;
    conditions.set(
        Conditions.PROGRESSING,
        progressing,
        progressing
            ? activity.map(a -> a.reason().name()).orElse(Reason.WaitingForWorkers.name())
            : "NotProgressing",
        progressing ? activity.map(Activity::message).orElse(summary) : "");
    conditions.set(
        Conditions.DEGRADED,
        phase == Phase.Degraded,
        phase != Phase.Degraded
            ? "NotDegraded"
            : dispatcherFailure
                .map(Reason::name)
                .orElse(podProblems.isPresent() ? "PodProblems" : "BelowDesired"),
        phase == Phase.Degraded
            ? String.join(
                "; ", concat(podProblems, concat(activity.map(Activity::message), shortages)))
            : "");
    conditions.set(Conditions.INVALID_SPEC, false, "SpecValid", "");
    return status;
  }

  /**
   * The plan change under way: the wanted generation, and the published plan being loaded onto
   * workers with how many of its stages are served.
   */
  private static PlanRollout rollout(Observed o, Optional<PlanRecord> target) {
    PlanRollout rollout = new PlanRollout(o.specGeneration());
    target.ifPresent(
        plan -> {
          rollout.setPlanGeneration(plan.generation());
          rollout.setSplitPoints(new ArrayList<>(plan.cutPoints()));
          rollout.setStageCount(plan.stageCount());
          rollout.setStagesLoaded(o.snapshot().orElseThrow().stagesServed(plan));
        });
    return rollout;
  }

  /** Fills the per-stage and standby counts; returns what falls short of the spec. */
  private static List<String> describeStages(
      Observed o, Optional<PlanRecord> plan, InferencePipelineStatus status) {
    Map<String, Boolean> podReady = podReadiness(o.workerPods());
    SortedMap<String, Assignment> assignments = o.workers().assignments().orElseGet(TreeMap::new);
    int stageCount = status.getStageCount() == null ? 0 : status.getStageCount();
    StageLayout layout = WorkerPlanner.resized(o.layout(), stageCount);
    Long shown = plan.map(PlanRecord::generation).orElse(status.getPlanGeneration());
    List<String> shortages = new ArrayList<>();
    int readyWorkers = 0;
    for (int stage = 0; stage < stageCount; stage++) {
      int index = stage;
      List<String> pods =
          assignments.values().stream()
              .filter(a -> a.stage() == index)
              .filter(a -> shown == null || a.planGeneration() == shown)
              .map(Assignment::workerId)
              .toList();
      Optional<String> slice = plan.map(p -> p.stages().get(index).sliceSha256());
      int ready =
          (int) pods.stream().filter(id -> serving(id, podReady, o.snapshot(), slice)).count();
      int desired = layout.replicas(stage);
      status.getStages().add(new StageStatus(stage, desired, ready, pods));
      readyWorkers += Math.min(ready, desired);
      if (ready < desired) {
        shortages.add("stage " + stage + " has " + ready + "/" + desired + " ready workers");
      }
    }
    int standbyReady =
        (int)
            assignments.values().stream()
                .filter(Assignment::isStandby)
                .filter(a -> serving(a.workerId(), podReady, o.snapshot(), Optional.empty()))
                .count();
    status.setStandbyReady(standbyReady);
    status.setStandbyDesired(layout.standbys());
    readyWorkers += Math.min(standbyReady, layout.standbys());
    if (standbyReady < layout.standbys()) {
      shortages.add(standbyReady + "/" + layout.standbys() + " standby workers ready");
    }
    status.setReadyWorkers(readyWorkers + "/" + layout.workersWanted());
    return shortages;
  }

  /**
   * Failed for an invalid spec; Pending until etcd can be read; Ready when every stage, the
   * standbys and the dispatcher are ready and nothing is changing; Degraded when something needs
   * attention (pods with problems, a model the dispatcher cannot load) or a serving pipeline lost
   * capacity without a spec change; Deploying otherwise.
   */
  private static Phase phase(
      InferencePipelineStatus previous,
      InferencePipelineStatus status,
      Optional<String> invalid,
      boolean etcdRead,
      boolean servingWanted,
      List<String> shortages,
      Optional<Activity> activity,
      boolean needsAttention) {
    boolean wasServing =
        previous.getPhase() == Phase.Ready || previous.getPhase() == Phase.Degraded;
    boolean sameGeneration =
        Objects.equals(previous.getObservedGeneration(), status.getObservedGeneration());
    if (invalid.isPresent()) {
      return Phase.Failed;
    }
    if (!etcdRead) {
      return wasServing ? Phase.Degraded : Phase.Pending;
    }
    if (shortages.isEmpty() && servingWanted && activity.isEmpty()) {
      return Phase.Ready;
    }
    if (needsAttention || (wasServing && sameGeneration && activity.isEmpty())) {
      return Phase.Degraded;
    }
    return Phase.Deploying;
  }

  /** Sets conditions on a status, keeping transition times of unchanged ones. */
  private record ConditionWriter(
      InferencePipelineStatus previous, InferencePipelineStatus status, Instant now) {
    void set(String type, boolean value, String reason, String message) {
      status
          .getConditions()
          .add(
              Conditions.of(
                  previous.getConditions(),
                  type,
                  value,
                  reason,
                  message,
                  status.getObservedGeneration(),
                  now));
    }

    /**
     * A spec the operator does not act on, rejected by the operator itself ({@code SpecRejected})
     * or by the dispatcher ({@code PlanRejected}).
     */
    void rejected(String reason, String message) {
      set(Conditions.READY, false, Phase.Failed.name(), "the spec is invalid (see InvalidSpec)");
      set(Conditions.PROGRESSING, false, "NotProgressing", "");
      set(Conditions.DEGRADED, false, "NotDegraded", "");
      set(Conditions.INVALID_SPEC, true, reason, message);
    }
  }

  /**
   * The status of a spec the operator does not act on: phase and conditions say why; what was
   * deployed before (stages, endpoint) is still described as it was.
   */
  public static InferencePipelineStatus invalid(
      InferencePipeline pipeline, List<String> problems, Instant now) {
    InferencePipelineStatus previous =
        pipeline.getStatus() == null ? new InferencePipelineStatus() : pipeline.getStatus();
    InferencePipelineStatus status = new InferencePipelineStatus();
    status.setObservedGeneration(pipeline.getMetadata().getGeneration());
    status.setEndpoint(previous.getEndpoint());
    status.setPhase(Phase.Failed);
    new ConditionWriter(previous, status, now)
        .rejected("SpecRejected", String.join("; ", problems));
    status.setPlanGeneration(previous.getPlanGeneration());
    status.setStageCount(previous.getStageCount());
    status.setSplitPoints(previous.getSplitPoints());
    status.setStages(previous.getStages());
    status.setRollout(previous.getRollout());
    status.setStandbyReady(previous.getStandbyReady());
    status.setStandbyDesired(previous.getStandbyDesired());
    status.setReadyWorkers(previous.getReadyWorkers());
    return status;
  }

  /** Why the dispatcher rejected {@code plan}, with the split points it offers instead. */
  private static Optional<String> rejection(PlanRecord plan) {
    if (plan.isValid()) {
      return Optional.empty();
    }
    List<String> valid = plan.validCutPoints();
    String listed = valid.stream().limit(MAX_LISTED_CUT_POINTS).collect(Collectors.joining(", "));
    if (valid.size() > MAX_LISTED_CUT_POINTS) {
      listed += " and " + (valid.size() - MAX_LISTED_CUT_POINTS) + " more";
    }
    return Optional.of(
        "the dispatcher rejected plan generation "
            + plan.generation()
            + ": "
            + plan.error()
            + (valid.isEmpty() ? "" : ". Valid split points: " + listed));
  }

  private static boolean serving(
      String workerId,
      Map<String, Boolean> podReady,
      Optional<MembershipSnapshot> snapshot,
      Optional<String> slice) {
    if (!podReady.getOrDefault(workerId, false)) {
      return false;
    }
    Optional<WorkerRecord> record = snapshot.flatMap(s -> s.worker(workerId));
    return record.isPresent()
        && record.get().isReady()
        && slice.map(record.get()::holds).orElse(true);
  }

  private static Map<String, Boolean> podReadiness(List<Pod> pods) {
    return pods.stream()
        .collect(
            Collectors.toMap(
                p -> p.getMetadata().getName(),
                p ->
                    p.getMetadata().getDeletionTimestamp() == null
                        && p.getStatus() != null
                        && p.getStatus().getConditions().stream()
                            .anyMatch(
                                c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
                (a, b) -> a));
  }

  private static List<String> concat(Optional<String> first, List<String> rest) {
    List<String> parts = new ArrayList<>();
    first.ifPresent(parts::add);
    parts.addAll(rest);
    return parts;
  }
}
