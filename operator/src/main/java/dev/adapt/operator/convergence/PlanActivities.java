package dev.adapt.operator.convergence;

import dev.adapt.core.membership.LoadFailureRecord;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.operator.convergence.WorkerPlan.Activity;
import dev.adapt.operator.convergence.WorkerPlan.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The activities a decision reports, with their messages, in one place. */
final class PlanActivities {

  private PlanActivities() {}

  static Activity waitingForEtcd() {
    return new Activity(Reason.WaitingForEtcd, "waiting for etcd");
  }

  static Activity planLost(ServingRecord lost) {
    return new Activity(
        Reason.WaitingForPlan,
        "etcd lost its keys; waiting for the dispatcher to publish plan generation "
            + lost.generation()
            + " again");
  }

  /**
   * What the pipeline waits for while the wanted plan is not published as a valid plan: the
   * dispatcher resolving the spec, a model it could not load, or split points it rejected.
   */
  static Activity waitingForPlan(
      long wanted, Optional<ServingRecord> serving, MembershipSnapshot snapshot) {
    String serves =
        serving.map(s -> "; plan generation " + s.generation() + " keeps serving").orElse("");
    Optional<PlanRecord> published = snapshot.plan().filter(p -> p.generation() == wanted);
    if (published.isPresent() && !published.get().isValid()) {
      return new Activity(
          Reason.PlanRejected, "plan generation " + wanted + " is invalid" + serves);
    }
    Optional<LoadFailureRecord> failure =
        snapshot
            .loadFailure()
            .filter(f -> f.generation() == wanted)
            .filter(f -> snapshot.plan().map(p -> p.generation() < wanted).orElse(true));
    if (failure.isPresent()) {
      LoadFailureRecord f = failure.get();
      // An internal error is the dispatcher's own: the model is not blamed for it.
      String what =
          f.internal()
              ? " failed with an internal error while planning generation "
                  + wanted
                  + " (not a fault of the model or the spec; see its log)"
              : " cannot load model " + f.model() + " for plan generation " + wanted;
      return new Activity(
          f.internal() ? Reason.DispatcherError : Reason.ModelLoadFailed,
          "dispatcher " + f.dispatcher() + what + ": " + f.error() + serves);
    }
    return new Activity(
        Reason.WaitingForPlan,
        "waiting for the dispatcher to publish plan generation " + wanted + serves);
  }

  static Activity rollingOut(
      RolloutState.RollingOut rollout, long wanted, MembershipSnapshot snapshot) {
    PlanRecord target = rollout.target();
    String then =
        target.generation() < wanted
            ? "; then " + waitingForPlan(wanted, Optional.empty(), snapshot).message()
            : "";
    return new Activity(
        Reason.RollingOutPlan,
        "rolling workers onto plan generation "
            + target.generation()
            + " ("
            + snapshot.stagesServed(target)
            + "/"
            + target.stageCount()
            + " stages loaded) while plan generation "
            + rollout.current().generation()
            + " serves"
            + then);
  }

  static Activity replacingPods(int outdated) {
    return new Activity(
        Reason.ReplacingPods,
        "replacing " + outdated + " worker pods built from an older template");
  }

  static Activity scaling(long creating, long removing) {
    List<String> parts = new ArrayList<>();
    if (creating > 0) {
      parts.add("creating " + creating + " worker pods");
    }
    if (removing > 0) {
      parts.add("removing " + removing + " worker pods");
    }
    return new Activity(Reason.Scaling, String.join(", ", parts));
  }

  static Activity waitingForWorkers(long unplaced) {
    return new Activity(
        Reason.WaitingForWorkers, "waiting for " + unplaced + " workers to become ready");
  }
}
