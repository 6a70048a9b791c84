package dev.adapt.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MembershipSnapshotTest {
  private static final PlanRecord PLAN =
      new PlanRecord(
          4,
          "m",
          "h",
          List.of("cut"),
          List.of(
              new PlanStage(0, "in", "cut", 1, 1, 1, "s0"),
              new PlanStage(1, "cut", "out", 1, 1, 1, "s1")),
          null,
          List.of());

  @Test
  void servingReplicasAreLiveServingAssignedAndHoldTheStagesSlice() {
    var workers =
        Map.of(
            "ready", worker("ready", WorkerState.READY, "s1"),
            "loading", worker("loading", WorkerState.LOADING, "s1", "s0"),
            "starting", worker("starting", WorkerState.STARTING, "s1"),
            "draining", worker("draining", WorkerState.DRAINING, "s1"),
            "no-slice", worker("no-slice", WorkerState.READY, "s0"),
            "other-stage", worker("other-stage", WorkerState.READY, "s1"));
    var assignments =
        Map.of(
            "ready", new Assignment("ready", 1, 4),
            "loading", new Assignment("loading", 1, 4),
            "starting", new Assignment("starting", 1, 4),
            "draining", new Assignment("draining", 1, 4),
            "no-slice", new Assignment("no-slice", 1, 4),
            "other-stage", new Assignment("other-stage", 0, 4),
            "dead", new Assignment("dead", 1, 4));

    var snapshot = new MembershipSnapshot(true, 9, workers, assignments, PLAN, null);

    assertThat(snapshot.servingReplicas(1))
        .extracting(WorkerRecord::workerId)
        .containsExactly("loading", "ready");
    assertThat(snapshot.servingReplicas(0)).isEmpty();
    assertThat(snapshot.servingReplicas(2)).isEmpty();
    assertThat(new MembershipSnapshot(true, 9, workers, assignments, null, null).servingReplicas(1))
        .isEmpty();
  }

  @Test
  void replicasOfAPlanAreReadyAssignedToItsGenerationAndHoldTheSlice() {
    var workers =
        Map.of(
            "ready", worker("ready", WorkerState.READY, "s1"),
            "loading", worker("loading", WorkerState.LOADING, "s1"),
            "older", worker("older", WorkerState.READY, "s1"),
            "no-slice", worker("no-slice", WorkerState.READY, "s0"),
            "stage0", worker("stage0", WorkerState.READY, "s0"));
    var assignments =
        Map.of(
            "ready", new Assignment("ready", 1, 4),
            "loading", new Assignment("loading", 1, 4),
            "older", new Assignment("older", 1, 3),
            "no-slice", new Assignment("no-slice", 1, 4),
            "stage0", new Assignment("stage0", 0, 4));

    var snapshot = new MembershipSnapshot(true, 9, workers, assignments, null, null);

    assertThat(snapshot.replicas(PLAN, 1))
        .extracting(WorkerRecord::workerId)
        .containsExactly("ready");
    assertThat(snapshot.stagesServed(PLAN)).isEqualTo(2);
    assertThat(snapshot.servesEveryStage(PLAN)).isTrue();
    var withoutStage0 = new HashMap<>(assignments);
    withoutStage0.remove("stage0");
    assertThat(
            new MembershipSnapshot(true, 9, workers, withoutStage0, null, null)
                .servesEveryStage(PLAN))
        .isFalse();
    assertThat(snapshot.servesEveryStage(PlanRecord.failed(4, "m", "h", "bad", null))).isFalse();
  }

  @Test
  void goneWorkersAreThoseNoLongerLive() {
    var before =
        new MembershipSnapshot(
            true,
            1,
            Map.of("a", worker("a", WorkerState.READY), "b", worker("b", WorkerState.READY)),
            Map.of(),
            null,
            null);
    var after =
        new MembershipSnapshot(
            true,
            2,
            Map.of("b", worker("b", WorkerState.READY), "c", worker("c", WorkerState.READY)),
            Map.of(),
            null,
            null);

    assertThat(after.workersGoneSince(before)).containsExactly("a");
    assertThat(MembershipSnapshot.empty().synced()).isFalse();
  }

  private static WorkerRecord worker(String id, WorkerState state, String... slices) {
    return new WorkerRecord(id, "h:1", "CPU", state, List.of(slices), 0, 1);
  }
}
