package dev.adapt.operator.convergence;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.StageAssigner;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.WorkerRecord;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Pods of an older template go one at a time ({@link RolloutState.ReplacingPods}): a spare
 * up-to-date worker joins the stage of the old pod as an extra replica, and only when it holds the
 * slice is the old pod deleted. Old pods without a stage go at once.
 */
final class PodReplacementPlanner {

  private PodReplacementPlanner() {}

  static WorkerPlan plan(WorkerPool pool, RolloutState.ReplacingPods replacing) {
    PlanRecord plan = replacing.plan();
    long generation = plan.generation();
    StageLayout layout = WorkerPlanner.resized(pool.facts().layout(), plan.stageCount());
    Map<String, WorkerRecord> live = pool.live();
    Map<String, Assignment> current =
        WorkerPool.ofGeneration(pool.snapshot().assignments(), generation);
    Set<String> retired = new HashSet<>();
    Optional<WorkerPod> handingOver = Optional.empty();
    for (WorkerPod pod : replacing.outdated()) {
      Assignment assignment = current.get(pod.name());
      boolean holdsStage =
          live.containsKey(pod.name()) && assignment != null && !assignment.isStandby();
      if (!holdsStage) {
        retired.add(pod.name());
      } else if (handingOver.isEmpty()) {
        handingOver = Optional.of(pod);
      }
    }
    StageLayout effective = layout;
    if (handingOver.isPresent()) {
      String old = handingOver.get().name();
      int stage = current.get(old).stage();
      if (takenOver(pool, current, old, stage, plan) >= layout.replicas(stage)) {
        retired.add(old);
      } else {
        effective = layout.withReplicas(stage, layout.replicas(stage) + 1);
      }
    }
    Map<String, WorkerRecord> remaining = new TreeMap<>(live);
    remaining.keySet().removeAll(retired);
    SortedMap<String, Assignment> assignments =
        StageAssigner.assign(
            effective,
            generation,
            remaining.values(),
            current,
            WorkerPool.slices(Optional.of(plan), generation));
    List<String> names = pool.names(retired, assignments, effective.workersWanted());
    return new WorkerPlan(
        names,
        Optional.of(assignments),
        Optional.of(PlanActivities.replacingPods(replacing.outdated().size())),
        replacing);
  }

  /** Up-to-date live workers other than {@code old} that serve {@code stage} already. */
  private static long takenOver(
      WorkerPool pool, Map<String, Assignment> current, String old, int stage, PlanRecord plan) {
    String slice = plan.stages().get(stage).sliceSha256();
    return pool.live().values().stream()
        .filter(w -> !w.workerId().equals(old))
        .filter(w -> pool.isUpToDate(w.workerId()))
        .filter(w -> current.containsKey(w.workerId()))
        .filter(w -> current.get(w.workerId()).stage() == stage)
        .filter(w -> w.isReady() && w.holds(slice))
        .count();
  }
}
