package dev.adapt.operator.convergence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Which plan serves: the rule that the operator and the dispatcher both apply. */
class ServingPlanTest {

  private static final Optional<ServingPlan> ONE = Optional.of(new ServingPlan(1, 1, List.of()));

  private final Map<String, WorkerRecord> workers = new TreeMap<>();
  private final Map<String, Assignment> assignments = new TreeMap<>();

  private static PlanRecord plan(long generation) {
    return new PlanRecord(
        generation,
        "m",
        "h",
        List.of("cut" + generation),
        List.of(
            new PlanStage(0, "in", "cut", 1, 1, 1, "g" + generation + "s0"),
            new PlanStage(1, "cut", "out", 1, 1, 1, "g" + generation + "s1")),
        null,
        null);
  }

  /** Both stages of {@code generation} get a READY worker holding their slice. */
  private void serve(long generation) {
    for (int stage = 0; stage < 2; stage++) {
      String id = "w" + generation + stage;
      workers.put(
          id,
          new WorkerRecord(
              id, "h:1", "CPU", WorkerState.READY, List.of("g" + generation + "s" + stage), 0, 1));
      assignments.put(id, new Assignment(id, stage, generation));
    }
  }

  private MembershipSnapshot published(PlanRecord plan) {
    return new MembershipSnapshot(true, 1, workers, assignments, plan, null);
  }

  @Test
  void thePublishedPlanServesOnceEveryStageHasAWorkerHoldingItsSlice() {
    workers.put(
        "w20", new WorkerRecord("w20", "h:1", "CPU", WorkerState.READY, List.of("g2s0"), 0, 1));
    assignments.put("w20", new Assignment("w20", 0, 2));
    assertThat(ServingPlan.advance(ONE, published(plan(2)), 2)).isEqualTo(ONE);

    serve(2);
    assertThat(ServingPlan.advance(ONE, published(plan(2)), 2))
        .contains(new ServingPlan(2, 2, List.of("cut2")));
  }

  @Test
  void aPlanThatANewerPublishedPlanOvertookNeverStartsServing() {
    serve(2);

    assertThat(ServingPlan.advance(ONE, published(plan(3)), 3))
        .as("generation 2 is complete, but generation 3 is the published plan")
        .isEqualTo(ONE);
    assertThat(ServingPlan.target(ONE, published(plan(3))).map(PlanRecord::generation))
        .contains(3L);
  }

  @Test
  void aPlanThatServedStaysServingUntilANewerOneServes() {
    serve(2);
    Optional<ServingPlan> two = ServingPlan.advance(ONE, published(plan(2)), 3);
    workers.clear();

    assertThat(ServingPlan.advance(two, published(plan(3)), 3)).isEqualTo(two);
    assertThat(ServingPlan.advance(two, published(PlanRecord.failed(3, "m", "h", "x", null)), 3))
        .isEqualTo(two);
    assertThat(ServingPlan.target(two, published(plan(2)))).isEmpty();
  }

  @Test
  void aServingGenerationAboveTheWantedOneComesFromALostEtcdAndIsDropped() {
    Optional<ServingPlan> five = Optional.of(new ServingPlan(5, 2, List.of()));

    assertThat(ServingPlan.advance(five, published(null), 1)).isEmpty();
    serve(1);
    assertThat(ServingPlan.advance(five, published(plan(1)), 1))
        .contains(new ServingPlan(1, 2, List.of("cut1")));
  }
}
