package dev.adapt.operator.convergence;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.StageAssigner;
import dev.adapt.core.membership.StageLayout;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;

/**
 * Every worker on one plan ({@link RolloutState.Settled}): stages fail over to live workers, the
 * pool grows or shrinks to the spec, and while the wanted plan is not published the settled one
 * keeps its layout.
 */
final class SettledPlanner {

  private SettledPlanner() {}

  static WorkerPlan plan(WorkerPool pool, RolloutState.Settled settled) {
    WorkerPlanner.Facts facts = pool.facts();
    StageLayout layout = WorkerPlanner.resized(facts.layout(), settled.stageCount());
    Map<String, Assignment> current =
        WorkerPool.ofGeneration(pool.snapshot().assignments(), settled.generation());
    SortedMap<String, Assignment> assignments =
        StageAssigner.assign(
            layout,
            settled.generation(),
            pool.live().values(),
            current,
            WorkerPool.slices(settled.plan(), settled.generation()));
    List<String> names = pool.names(Set.of(), assignments, layout.workersWanted());
    Optional<WorkerPlan.Activity> activity =
        settled.generation() == facts.specGeneration()
            ? pool.progress(names, assignments, layout)
            : Optional.of(
                PlanActivities.waitingForPlan(
                    facts.specGeneration(), settled.serving(), pool.snapshot()));
    return new WorkerPlan(names, Optional.of(assignments), activity, settled);
  }
}
