package dev.adapt.dispatcher.plans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.core.model.ModelSource;
import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.tensor.DType;
import dev.adapt.dispatcher.requests.InferenceException;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Plan generations: when a new plan takes over, and which plan a batch may take. */
class ServedPlansTest {
  private static final ModelInfo CNN = model("cnn", 10);
  private static final ModelInfo OTHER = model("other", 5);
  private static final ModelSource CNN_SOURCE = ModelSource.parse("/models/cnn");
  private static final ModelSource OTHER_SOURCE = ModelSource.parse("/models/other");

  private final ServedPlans plans = new ServedPlans(pipeline(CNN, CNN_SOURCE, 1, 2), 2);
  private final Membership membership = new Membership();

  @Test
  void aNewPlanTakesOverOnlyOnceEveryStageHasAReplicaOfItsGeneration() {
    membership.assign("a", 1, 0).assign("b", 1, 1);
    assertThat(plans.refresh(membership.snapshot())).isEmpty();
    assertThat(plans.ready()).isTrue();

    ServedPipeline next = pipeline(CNN, CNN_SOURCE, 2, 3);
    plans.offer(next, 3);
    membership.assign("c", 2, 0).assign("d", 2, 1);
    // A worker assigned stage 2 of generation 1's numbering does not serve generation 2.
    membership.worker("e", slice(2, 2)).assignment("e", 1, 2);
    assertThat(plans.refresh(membership.snapshot())).isEmpty();
    assertThat(plans.current().generation()).isEqualTo(1);
    assertThat(plans.pushable()).extracting(PlanGeneration::generation).containsExactly(1L, 2L);

    membership.assign("e", 2, 2);
    ServedPlans.Switch change = plans.refresh(membership.snapshot()).orElseThrow();
    assertThat(change.from().generation()).isEqualTo(1);
    assertThat(change.to().generation()).isEqualTo(2);
    assertThat(plans.current().maxInFlightBatches()).isEqualTo(3);
    assertThat(plans.current().pipeline()).contains(next);
    assertThat(change.from().pipeline()).as("the old plan's slices are released").isEmpty();
    assertThat(plans.pushable()).extracting(PlanGeneration::generation).containsExactly(2L);
  }

  @Test
  void aWorkerHoldingTheSliceButAssignedToAnotherGenerationIsNoReplica() {
    membership.assign("a", 1, 0).worker("b", slice(1, 1)).assignment("b", 7, 1);
    plans.refresh(membership.snapshot());
    assertThat(plans.ready()).isFalse();
    assertThat(plans.route(1, null, Set.of())).isInstanceOf(ServedPlans.Wait.class);
  }

  @Test
  void batchesOfTheSameModelTakeTheNewPlanAndReplaysPreferThePlanOfTheirAttempt() {
    membership.assign("a", 1, 0).assign("b", 1, 1);
    plans.refresh(membership.snapshot());
    PlanGeneration lane = plans.admit(CNN);
    ServedPlans.Go first = go(plans.route(lane.generation(), null, Set.of()));
    assertThat(first.plan().generation()).isEqualTo(1);

    plans.offer(pipeline(CNN, CNN_SOURCE, 2, 3), 3);
    membership.assign("c", 2, 0).assign("d", 2, 1).assign("e", 2, 2);
    assertThat(plans.refresh(membership.snapshot())).isPresent();

    // A new batch of a request admitted before the switch goes to the new plan.
    ServedPlans.Go fresh = go(plans.route(lane.generation(), null, Set.of()));
    assertThat(fresh.plan().generation()).isEqualTo(2);
    assertThat(fresh.route()).extracting(Replica::workerId).containsExactly("c", "d", "e");
    // A replay of a batch that went to the old plan stays there while it has replicas ...
    ServedPlans.Go replay = go(plans.route(lane.generation(), first.plan(), Set.of("a")));
    assertThat(replay.plan().generation()).isEqualTo(1);
    // ... and moves to the new plan once the old workers are reassigned.
    membership.unassign("a").unassign("b");
    plans.refresh(membership.snapshot());
    replay = go(plans.route(lane.generation(), first.plan(), Set.of("a")));
    assertThat(replay.plan().generation()).isEqualTo(2);
  }

  @Test
  void requestsOfAReplacedModelAreAnsweredByTheOldPlanOrFailSayingSo() {
    membership.assign("a", 1, 0).assign("b", 1, 1);
    plans.refresh(membership.snapshot());
    PlanGeneration lane = plans.admit(CNN);

    plans.offer(pipeline(OTHER, OTHER_SOURCE, 2, 2), 2);
    membership.assign("c", 2, 0).assign("d", 2, 1);
    plans.refresh(membership.snapshot());
    assertThat(plans.current().model()).isEqualTo(OTHER);

    ServedPlans.Go old = go(plans.route(lane.generation(), null, Set.of()));
    assertThat(old.plan().generation()).as("the old model answers").isEqualTo(1);

    membership.unassign("a");
    plans.refresh(membership.snapshot());
    ServedPlans.Choice none = plans.route(lane.generation(), old.plan(), Set.of("a"));
    assertThat(none).isInstanceOf(ServedPlans.Fail.class);
    assertThat(((ServedPlans.Fail) none).reason())
        .contains("model 'cnn' (plan generation 1) was replaced by 'other'")
        .contains("send the request again");

    // A request read against the old model after the switch is refused at admission.
    assertThatThrownBy(() -> plans.admit(CNN))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> assertThat(e.kind()).isEqualTo(InferenceException.Kind.UNAVAILABLE))
        .hasMessageContaining("changed to 'other'");
    assertThat(plans.admit(OTHER).generation()).isEqualTo(2);
  }

  @Test
  void aReplacedPlanIsForgottenWhenItsLastRequestIsAnswered() {
    membership.assign("a", 1, 0).assign("b", 1, 1);
    plans.refresh(membership.snapshot());
    PlanGeneration first = plans.admit(CNN);
    PlanGeneration second = plans.admit(CNN);

    plans.offer(pipeline(OTHER, OTHER_SOURCE, 2, 1), 1);
    membership.assign("c", 2, 0);
    assertThat(plans.refresh(membership.snapshot()).orElseThrow().unanswered()).isEqualTo(2);

    plans.answered(first);
    assertThat(plans.route(1, null, Set.of())).isInstanceOf(ServedPlans.Go.class);
    plans.answered(second);
    assertThat(plans.route(1, null, Set.of()))
        .isInstanceOfSatisfying(
            ServedPlans.Fail.class,
            fail -> assertThat(fail.reason()).contains("plan generation 1 is no longer served"));
  }

  @Test
  void onlyTheNewestPublishedPlanTakesOverAndOlderPendingOnesAreDropped() {
    membership.assign("a", 1, 0).assign("b", 1, 1);
    plans.offer(pipeline(CNN, CNN_SOURCE, 2, 1), 1);
    plans.offer(pipeline(CNN, CNN_SOURCE, 3, 1), 1);
    plans.offer(pipeline(CNN, CNN_SOURCE, 4, 1), 1);
    assertThat(plans.pushable())
        .as("at most two pending plans hold slices")
        .extracting(PlanGeneration::generation)
        .containsExactly(1L, 3L, 4L);

    membership.assign("c", 3, 0);
    assertThat(plans.refresh(membership.snapshot()))
        .as("generation 4 was published after 3, even if the membership does not show it yet")
        .isEmpty();

    membership.assign("d", 4, 0);
    assertThat(plans.refresh(membership.snapshot()).orElseThrow().to().generation()).isEqualTo(4);
    assertThat(plans.pushable()).extracting(PlanGeneration::generation).containsExactly(4L);
  }

  @Test
  void aPendingPlanThatANewerPublishedPlanOvertookNeverTakesOver() {
    membership.assign("a", 1, 0).assign("b", 1, 1);
    plans.offer(pipeline(CNN, CNN_SOURCE, 2, 1), 1);
    plans.offer(pipeline(CNN, CNN_SOURCE, 3, 2), 2);
    membership.published(3).assign("c", 2, 0);

    assertThat(plans.refresh(membership.snapshot()))
        .as("generation 2 has its replica, but generation 3 is published: the operator moves on")
        .isEmpty();
    assertThat(plans.current().generation()).isEqualTo(1);

    membership.unassign("c").assign("c", 3, 0).assign("d", 3, 1);
    assertThat(plans.refresh(membership.snapshot()).orElseThrow().to().generation()).isEqualTo(3);
    assertThat(plans.pushable()).extracting(PlanGeneration::generation).containsExactly(3L);
  }

  @Test
  void thePlanInServiceIsTheCurrentPlanOnceEveryStageOfItWasServed() {
    assertThat(plans.inService()).as("the first plan, before any worker serves it").isEmpty();
    membership.assign("a", 1, 0);
    plans.refresh(membership.snapshot());
    assertThat(plans.inService()).as("one stage of two is served").isEmpty();

    membership.assign("b", 1, 1);
    plans.refresh(membership.snapshot());
    assertThat(plans.inService()).contains(new ServingRecord(1, 2, List.of()));
    membership.unassign("a");
    plans.refresh(membership.snapshot());
    assertThat(plans.inService())
        .as("a stage losing its worker fails over; the plan stays in service")
        .contains(new ServingRecord(1, 2, List.of()));

    plans.offer(pipeline(CNN, CNN_SOURCE, 2, 1), 1);
    assertThat(plans.inService()).map(ServingRecord::generation).contains(1L);
    membership.assign("c", 2, 0);
    assertThat(plans.refresh(membership.snapshot())).isPresent();
    assertThat(plans.inService()).contains(new ServingRecord(2, 1, List.of()));
  }

  @Test
  void aFirstPlanOvertakenBeforeItWasServedNeverGoesIntoService() {
    plans.offer(pipeline(CNN, CNN_SOURCE, 2, 1), 1);
    membership.assign("a", 1, 0).assign("b", 1, 1);
    assertThat(plans.refresh(membership.snapshot())).isEmpty();
    assertThat(plans.inService()).isEmpty();
  }

  @Test
  void aRejectedPublicationOvertakesAPendingPlanBeforeTheMembershipShowsIt() {
    membership.assign("a", 1, 0).assign("b", 1, 1);
    plans.refresh(membership.snapshot());
    plans.offer(pipeline(CNN, CNN_SOURCE, 2, 1), 1);
    plans.published(3);
    membership.assign("c", 2, 0);

    assertThat(plans.refresh(membership.snapshot())).isEmpty();
    assertThat(plans.inService()).map(ServingRecord::generation).contains(1L);
  }

  private static ServedPlans.Go go(ServedPlans.Choice choice) {
    assertThat(choice).isInstanceOf(ServedPlans.Go.class);
    return (ServedPlans.Go) choice;
  }

  private static ModelInfo model(String name, int classes) {
    return new ModelInfo(
        name,
        "1",
        "tensorflow_graphdef",
        new TensorSpec("x", DType.FLOAT32, new long[] {-1, 4}),
        new TensorSpec("y", DType.FLOAT32, new long[] {-1, classes}));
  }

  private static String slice(long generation, int stage) {
    return "g" + generation + "s" + stage;
  }

  private static ServedPipeline pipeline(
      ModelInfo model, ModelSource source, long generation, int stages) {
    List<PlanStage> planStages = new ArrayList<>();
    List<StageSlice> slices = new ArrayList<>();
    for (int i = 0; i < stages; i++) {
      planStages.add(new PlanStage(i, "from", "to", 1, 1, 1, slice(generation, i)));
      slices.add(new StageSlice(i, slice(generation, i), new byte[] {(byte) i}));
    }
    PlanRecord plan =
        new PlanRecord(generation, source.uri(), "spec", List.of(), planStages, null, List.of());
    return new ServedPipeline(model, source, plan, slices);
  }

  /** Workers and assignments as a membership snapshot shows them. */
  private static final class Membership {
    private final Map<String, WorkerRecord> workers = new HashMap<>();
    private final Map<String, Assignment> assignments = new HashMap<>();
    private PlanRecord published;

    /** The {@code plan} key names this generation. */
    Membership published(long generation) {
      published =
          new PlanRecord(generation, "/models/cnn", "spec", List.of(), List.of(), null, List.of());
      return this;
    }

    /** A READY worker holding the slice of {@code stage} of {@code generation}, assigned to it. */
    Membership assign(String id, long generation, int stage) {
      return worker(id, slice(generation, stage)).assignment(id, generation, stage);
    }

    Membership worker(String id, String slice) {
      workers.put(
          id, new WorkerRecord(id, "h:" + id, "CPU", WorkerState.READY, List.of(slice), 0, 1));
      return this;
    }

    Membership assignment(String id, long generation, int stage) {
      assignments.put(id, new Assignment(id, stage, generation));
      return this;
    }

    Membership unassign(String id) {
      assignments.remove(id);
      return this;
    }

    MembershipSnapshot snapshot() {
      return new MembershipSnapshot(true, 1, workers, assignments, published, null);
    }
  }
}
