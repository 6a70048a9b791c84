package dev.adapt.operator.membership;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.LoadFailureRecord;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.SpecRecord;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The part of a membership snapshot that the operator acts on; other changes are ignored. */
record RelevantState(
    boolean synced,
    Map<String, WorkerFacts> workers,
    Map<String, Assignment> assignments,
    Optional<PlanRecord> plan,
    Optional<ServingRecord> serving,
    Optional<SpecRecord> spec,
    Optional<LoadFailureRecord> loadFailure) {

  record WorkerFacts(WorkerState state, List<String> slices) {}

  static RelevantState of(MembershipSnapshot snapshot) {
    return new RelevantState(
        snapshot.synced(),
        snapshot.workers().values().stream()
            .collect(Collectors.toMap(WorkerRecord::workerId, RelevantState::facts)),
        snapshot.assignments(),
        snapshot.plan(),
        snapshot.serving(),
        snapshot.spec(),
        snapshot.loadFailure());
  }

  private static WorkerFacts facts(WorkerRecord worker) {
    return new WorkerFacts(worker.state(), worker.sliceSha256());
  }
}
