package dev.adapt.core.membership;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Decides which stage each live worker runs. A pure, deterministic function shared by the operator
 * and the local launcher.
 *
 * <p>Rules, in order:
 *
 * <ol>
 *   <li>Stability: a live worker keeps its current stage while that stage wants it (on scale-down
 *       READY workers are kept first, then by id).
 *   <li>A worker without a stage that holds the slice of a stage with an empty slot takes that
 *       stage (READY ones first), when the caller knows the stages' slices: after the store lost
 *       the assignments (an etcd without its data), workers get back the stages they serve and no
 *       slice moves.
 *   <li>Empty slots are filled, the emptiest stage first, from: READY standbys, READY unassigned
 *       workers, other standbys, other unassigned workers (each group by id). So the stage of a
 *       dead worker goes to a ready standby at once.
 *   <li>The remaining workers become standbys up to the wanted number, current standbys first; any
 *       others get no assignment (they are surplus).
 * </ol>
 *
 * Workers that are DRAINING or not live get nothing. The result names only live workers; callers
 * make the store equal to it ({@link Membership#applyAssignments}), which also removes the
 * assignments of dead workers, so a worker that comes back after being replaced returns as a
 * standby or surplus and displaces no one.
 */
public final class StageAssigner {

  private StageAssigner() {}

  public static SortedMap<String, Assignment> assign(
      StageLayout layout,
      long planGeneration,
      Collection<WorkerRecord> liveWorkers,
      Map<String, Assignment> current) {
    return assign(layout, planGeneration, liveWorkers, current, List.of());
  }

  /**
   * Like {@link #assign(StageLayout, long, Collection, Map)}, knowing the slice of each stage.
   *
   * @param stageSlices the slice hash of each stage, or empty when unknown
   */
  public static SortedMap<String, Assignment> assign(
      StageLayout layout,
      long planGeneration,
      Collection<WorkerRecord> liveWorkers,
      Map<String, Assignment> current,
      List<String> stageSlices) {
    SortedMap<String, WorkerRecord> eligible = new TreeMap<>();
    for (WorkerRecord worker : liveWorkers) {
      if (worker.state() != WorkerState.DRAINING) {
        eligible.put(worker.workerId(), worker);
      }
    }
    List<List<String>> stages = new ArrayList<>();
    for (int stage = 0; stage < layout.stageCount(); stage++) {
      stages.add(new ArrayList<>());
    }
    List<WorkerRecord> unplaced = new ArrayList<>();

    Comparator<WorkerRecord> readyFirst =
        Comparator.comparing((WorkerRecord w) -> !w.isReady())
            .thenComparing(WorkerRecord::workerId);
    List<WorkerRecord> byReadiness = eligible.values().stream().sorted(readyFirst).toList();
    for (WorkerRecord worker : byReadiness) {
      int stage = currentStage(current, worker.workerId());
      if (stage >= 0
          && stage < layout.stageCount()
          && stages.get(stage).size() < layout.replicas(stage)) {
        stages.get(stage).add(worker.workerId());
      } else {
        unplaced.add(worker);
      }
    }

    if (stageSlices.size() == layout.stageCount()) {
      for (WorkerRecord worker : List.copyOf(unplaced)) {
        if (currentStage(current, worker.workerId()) != Integer.MIN_VALUE) {
          continue;
        }
        for (int stage = 0; stage < layout.stageCount(); stage++) {
          if (stages.get(stage).size() < layout.replicas(stage)
              && worker.holds(stageSlices.get(stage))) {
            stages.get(stage).add(worker.workerId());
            unplaced.remove(worker);
            break;
          }
        }
      }
    }

    Comparator<WorkerRecord> promotionOrder =
        Comparator.comparing((WorkerRecord w) -> !w.isReady())
            .thenComparing(w -> currentStage(current, w.workerId()) != Assignment.STANDBY)
            .thenComparing(WorkerRecord::workerId);
    unplaced.sort(promotionOrder);
    int next = 0;
    for (int stage = emptiestStage(layout, stages);
        stage >= 0 && next < unplaced.size();
        stage = emptiestStage(layout, stages)) {
      stages.get(stage).add(unplaced.get(next++).workerId());
    }

    List<WorkerRecord> rest = new ArrayList<>(unplaced.subList(next, unplaced.size()));
    rest.sort(
        Comparator.comparing(
                (WorkerRecord w) -> currentStage(current, w.workerId()) != Assignment.STANDBY)
            .thenComparing(readyFirst));

    SortedMap<String, Assignment> result = new TreeMap<>();
    for (int stage = 0; stage < stages.size(); stage++) {
      for (String workerId : stages.get(stage)) {
        result.put(workerId, new Assignment(workerId, stage, planGeneration));
      }
    }
    for (WorkerRecord worker : rest.subList(0, Math.min(layout.standbys(), rest.size()))) {
      result.put(worker.workerId(), Assignment.standby(worker.workerId(), planGeneration));
    }
    return result;
  }

  private static int currentStage(Map<String, Assignment> current, String workerId) {
    Assignment assignment = current.get(workerId);
    return assignment == null ? Integer.MIN_VALUE : assignment.stage();
  }

  /** The under-filled stage with the fewest workers (lowest index on ties), or -1. */
  private static int emptiestStage(StageLayout layout, List<List<String>> stages) {
    int best = -1;
    for (int stage = 0; stage < stages.size(); stage++) {
      int filled = stages.get(stage).size();
      if (filled < layout.replicas(stage) && (best < 0 || filled < stages.get(best).size())) {
        best = stage;
      }
    }
    return best;
  }
}
