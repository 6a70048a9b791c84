package dev.adapt.operator.convergence;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.StageAssigner;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.WorkerRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Blue/green ({@link RolloutState.RollingOut}): the serving plan's workers stay where they are,
 * their number does not grow, and a stage of theirs that loses its last worker gets a spare; the
 * other workers get one stage each of the target, with surge pods when they are too few.
 */
final class RolloutPlanner {

  private RolloutPlanner() {}

  static WorkerPlan plan(WorkerPool pool, RolloutState.RollingOut rollout) {
    ServingRecord serving = rollout.current();
    PlanRecord target = rollout.target();
    MembershipSnapshot snapshot = pool.snapshot();
    Map<String, WorkerRecord> live = pool.live();
    Map<String, Assignment> ofServing =
        WorkerPool.ofGeneration(snapshot.assignments(), serving.generation());
    Map<String, Assignment> ofTarget =
        WorkerPool.ofGeneration(snapshot.assignments(), target.generation());
    Map<String, WorkerRecord> keepers = new TreeMap<>(live);
    keepers.keySet().removeAll(ofTarget.keySet());
    StageLayout held = held(pool, serving.stageCount(), ofServing);
    // The plan key holds the target: the serving plan's slices are what its workers hold.
    SortedMap<String, Assignment> assignments =
        StageAssigner.assign(held, serving.generation(), keepers.values(), ofServing, List.of());
    Map<String, WorkerRecord> spares = new TreeMap<>(live);
    spares.keySet().removeAll(assignments.keySet());
    assignments.putAll(
        StageAssigner.assign(
            StageLayout.of(target.stageCount(), 1, 0),
            target.generation(),
            spares.values(),
            ofTarget,
            WorkerPool.slices(Optional.of(target), target.generation())));
    StageLayout layout = WorkerPlanner.resized(pool.facts().layout(), target.stageCount());
    int wanted = Math.max(layout.workersWanted(), held.workersWanted() + target.stageCount());
    List<String> names = pool.names(Set.of(), assignments, wanted);
    return new WorkerPlan(
        names,
        Optional.of(assignments),
        Optional.of(PlanActivities.rollingOut(rollout, pool.facts().specGeneration(), snapshot)),
        rollout);
  }

  /**
   * The serving plan's layout while another rolls out: each stage keeps the live workers it has, up
   * to what the spec wants, and at least one; no standbys (they are spares for the new plan).
   */
  private static StageLayout held(
      WorkerPool pool, int stageCount, Map<String, Assignment> current) {
    StageLayout layout = WorkerPlanner.resized(pool.facts().layout(), stageCount);
    Map<Integer, Integer> replicas = new TreeMap<>();
    for (int stage = 0; stage < stageCount; stage++) {
      int index = stage;
      long holding =
          current.values().stream()
              .filter(a -> a.stage() == index && pool.live().containsKey(a.workerId()))
              .count();
      replicas.put(stage, (int) Math.max(1, Math.min(holding, layout.replicas(stage))));
    }
    return new StageLayout(stageCount, 1, replicas, 0);
  }
}
