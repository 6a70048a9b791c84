package dev.adapt.operator.convergence;

import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.StageAssigner;
import dev.adapt.core.membership.StageLayout;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Decides the worker pods and stage assignments of a pipeline from what is observed: a pure
 * function, so that every reconciliation reaches the same decision from the same facts.
 *
 * <p>A worker is live when its pod is Ready and it is registered in etcd; only live workers get
 * assignments ({@link StageAssigner}), so the stage of a vanished, failed or unready worker goes to
 * a ready standby at once. Missing pods are replaced under new names, never reusing one, so that a
 * stale registration can never be mistaken for the new pod.
 *
 * <p>Changes keep the pipeline serving:
 *
 * <ul>
 *   <li>A new plan (new split points or model) is rolled out blue/green. The workers of the serving
 *       plan (the {@code serving} record the dispatcher publishes, {@link PublishedPlans}) keep
 *       their stages until a newer plan is serving: none is taken from them, their number never
 *       grows, and a stage of theirs that loses its last worker gets a spare. All other workers
 *       (standbys, surge pods if needed, workers of a plan that was overtaken before it served) are
 *       given one stage each of the published plan; once every one of its stages has a worker
 *       holding its slice it serves, all workers move to it and the surge pods go. A plan that is
 *       overtaken while it loads is abandoned; its workers move on to the newer one.
 *   <li>While no newer valid plan is published (the dispatcher is still resolving the spec, could
 *       not load the model, or rejected the split points), the serving plan keeps its layout and
 *       fails over as usual.
 *   <li>Pods built from an older template are replaced one at a time: a spare up-to-date worker
 *       joins the stage of the old pod as an extra replica, and only when it holds the slice is the
 *       old pod deleted. Old pods without a stage go at once.
 * </ul>
 *
 * <p>When etcd lost its keys (the managed etcd keeps them in an emptyDir) while a plan serves,
 * nothing is assigned until the dispatcher has published the plan again; then every worker gets
 * back the stage whose slice it holds.
 *
 * <p>Each case is a {@link RolloutState}, read once from the facts, with a planner of its own:
 * {@link SettledPlanner}, {@link RolloutPlanner}, {@link PodReplacementPlanner}; the waiting cases
 * decide here.
 */
public final class WorkerPlanner {

  /**
   * The facts a decision rests on.
   *
   * @param layout the stages and replicas the spec asks for
   * @param specGeneration the generation of the partitioning request in etcd (the wanted plan)
   * @param snapshot the pipeline's membership, or empty when etcd could not be read
   * @param servingInLastStatus the plan in service that the last status recorded: it stands in for
   *     the {@code serving} record only while etcd lacks it
   * @param ordinalOf the ordinal of a worker id of this pipeline
   */
  public record Facts(
      StageLayout layout,
      long specGeneration,
      Optional<MembershipSnapshot> snapshot,
      List<WorkerPod> pods,
      Optional<ServingRecord> servingInLastStatus,
      Function<String, OptionalInt> ordinalOf,
      Function<Integer, String> nameOf) {}

  private WorkerPlanner() {}

  /** Reads the rollout state from the facts and lets the planner of that state decide. */
  public static WorkerPlan plan(Facts facts) {
    WorkerPool pool = new WorkerPool(facts);
    RolloutState state = RolloutState.of(facts);
    if (state instanceof RolloutState.RollingOut rollout) {
      return RolloutPlanner.plan(pool, rollout);
    }
    if (state instanceof RolloutState.ReplacingPods replacing) {
      return PodReplacementPlanner.plan(pool, replacing);
    }
    if (state instanceof RolloutState.Settled settled) {
      return SettledPlanner.plan(pool, settled);
    }
    int wanted = facts.layout().workersWanted();
    if (state instanceof RolloutState.PlanLost lost) {
      return new WorkerPlan(
          pool.names(wanted),
          Optional.empty(),
          Optional.of(PlanActivities.planLost(lost.lost())),
          state);
    }
    if (state instanceof RolloutState.NoPlan) {
      // Nothing served before: nothing to assign until a plan exists.
      return new WorkerPlan(
          pool.names(wanted),
          Optional.of(new TreeMap<>()),
          Optional.of(
              PlanActivities.waitingForPlan(
                  facts.specGeneration(), Optional.empty(), pool.snapshot())),
          state);
    }
    return new WorkerPlan(
        pool.names(wanted), Optional.empty(), Optional.of(PlanActivities.waitingForEtcd()), state);
  }

  /** The layout with another stage count, keeping the overrides that still name a stage. */
  public static StageLayout resized(StageLayout layout, int stageCount) {
    if (stageCount == layout.stageCount()) {
      return layout;
    }
    Map<Integer, Integer> overrides =
        layout.replicaOverrides().entrySet().stream()
            .filter(e -> e.getKey() < stageCount)
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    return new StageLayout(stageCount, layout.replicasPerStage(), overrides, layout.standbys());
  }
}
