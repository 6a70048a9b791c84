package dev.adapt.operator.convergence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Which rollout state the facts show, and the plans each state names. */
class RolloutStateTest {
  private static final ServingRecord ONE = new ServingRecord(1, 1, List.of());
  private static final WorkerPod CURRENT = new WorkerPod("w-0", 0, true, true, true);
  private static final WorkerPod OUTDATED = new WorkerPod("w-1", 1, true, true, false);

  @Test
  void withoutASyncedSnapshotEtcdIsUnreadAndTheStatusNamesTheServingPlan() {
    RolloutState state =
        RolloutState.of(facts(Optional.of(MembershipSnapshot.empty()), 1, Optional.of(ONE)));

    assertThat(state).isEqualTo(new RolloutState.EtcdUnread(Optional.of(ONE)));
    assertThat(state.serving()).contains(ONE);
    assertThat(state.loading()).isEmpty();
  }

  @Test
  void nothingPublishedAndNothingServedIsNoPlan() {
    assertThat(RolloutState.of(facts(snapshot(null, null), 1, Optional.empty())))
        .isInstanceOf(RolloutState.NoPlan.class);
  }

  @Test
  void aPublishedPlanWhileNoneServesIsSettledOnItAndLoading() {
    PlanRecord one = plan(1);
    RolloutState state = RolloutState.of(facts(snapshot(one, null), 1, Optional.empty()));

    assertThat(state).isEqualTo(new RolloutState.Settled(1, 1, Optional.of(one), Optional.empty()));
    assertThat(state.loading()).contains(one);
    assertThat(state.servingPlan()).isEmpty();
  }

  @Test
  void aNewerPublishedPlanThanTheServingOneIsARollout() {
    PlanRecord two = plan(2);
    RolloutState state = RolloutState.of(facts(snapshot(two, ONE), 2, Optional.empty()));

    assertThat(state).isEqualTo(new RolloutState.RollingOut(ONE, two));
    assertThat(state.serving()).contains(ONE);
    assertThat(state.loading()).contains(two);
  }

  @Test
  void aServingPlanWithoutThePlanKeyWasLostWithEtcdsData() {
    RolloutState state = RolloutState.of(facts(snapshot(null, null), 1, Optional.of(ONE)));

    assertThat(state).isEqualTo(new RolloutState.PlanLost(ONE));
  }

  @Test
  void outdatedPodsOnTheWantedPlanAreReplacedButNotWhileAnotherPlanIsWanted() {
    PlanRecord one = plan(1);
    RolloutState state =
        RolloutState.of(facts(snapshot(one, ONE), 1, Optional.empty(), CURRENT, OUTDATED));

    assertThat(state).isInstanceOf(RolloutState.ReplacingPods.class);
    assertThat(((RolloutState.ReplacingPods) state).outdated()).containsExactly(OUTDATED);
    assertThat(state.servingPlan()).contains(one);

    assertThat(RolloutState.of(facts(snapshot(one, ONE), 2, Optional.empty(), OUTDATED)))
        .as("generation 2 is wanted and not published yet")
        .isEqualTo(new RolloutState.Settled(1, 1, Optional.of(one), Optional.of(ONE)));
  }

  private static WorkerPlanner.Facts facts(
      Optional<MembershipSnapshot> snapshot,
      long wanted,
      Optional<ServingRecord> inStatus,
      WorkerPod... pods) {
    return new WorkerPlanner.Facts(
        StageLayout.of(1, 1, 0),
        wanted,
        snapshot,
        List.of(pods),
        inStatus,
        id -> OptionalInt.empty(),
        ordinal -> "w-" + ordinal);
  }

  private static Optional<MembershipSnapshot> snapshot(PlanRecord plan, ServingRecord serving) {
    WorkerRecord worker =
        new WorkerRecord("w-0", "10.0.0.1:9000", "CPU", WorkerState.READY, List.of("s1"), 0, 0);
    return Optional.of(
        new MembershipSnapshot(
                true,
                1,
                Map.of("w-0", worker),
                Map.of("w-0", new Assignment("w-0", 0, 1)),
                plan,
                null)
            .withServing(serving));
  }

  private static PlanRecord plan(long generation) {
    return new PlanRecord(
        generation,
        "builtin:resnet50",
        "h",
        List.of(),
        List.of(new PlanStage(0, "in", "out", 1, 1, 1, "s" + generation)),
        null,
        List.of());
  }
}
