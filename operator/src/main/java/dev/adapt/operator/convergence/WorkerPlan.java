package dev.adapt.operator.convergence;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.ServingRecord;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * What the workers of a pipeline should be after this reconciliation.
 *
 * @param podNames the worker pods that should exist: kept ones and new ones
 * @param assignments the stage assignments to store in etcd, or empty when etcd was not read (then
 *     nothing is written)
 * @param activity what is under way, for the Progressing condition; empty when nothing is
 * @param state the rollout state this decision was made in, which the status describes
 */
public record WorkerPlan(
    List<String> podNames,
    Optional<SortedMap<String, Assignment>> assignments,
    Optional<Activity> activity,
    RolloutState state) {

  /**
   * The plan in service as the dispatcher published it (or, while etcd lacks the record, as the
   * last status recorded it); empty before any plan served.
   */
  public Optional<ServingRecord> serving() {
    return state.serving();
  }

  /** A change under way; the reason becomes the Progressing condition's reason. */
  public record Activity(Reason reason, String message) {}

  public enum Reason {
    WaitingForEtcd,
    WaitingForPlan,
    ModelLoadFailed,
    /** The dispatcher failed for a reason of its own while planning: neither model nor spec. */
    DispatcherError,
    PlanRejected,
    RollingOutPlan,
    ReplacingPods,
    Scaling,
    WaitingForWorkers;

    /**
     * The dispatcher cannot resolve the wanted spec (its model does not load, or it failed itself):
     * the pipeline is Degraded and a Warning event says why.
     */
    public boolean isDispatcherFailure() {
      return this == ModelLoadFailed || this == DispatcherError;
    }
  }
}
