package dev.adapt.operator.convergence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.LoadFailureRecord;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.operator.convergence.WorkerPlanner.Facts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WorkerPlannerTest {

  private static final String PREFIX = "p-worker-";

  /** The observed state of one scenario, edited by each test. */
  private static final class World {
    StageLayout layout;
    long specGeneration = 1;
    final Map<String, WorkerPod> pods = new LinkedHashMap<>();
    final Map<String, WorkerRecord> registered = new TreeMap<>();
    final Map<String, Assignment> assignments = new TreeMap<>();
    PlanRecord plan;
    LoadFailureRecord loadFailure;
    final Map<Long, PlanRecord> published = new TreeMap<>();
    boolean etcdRead = true;

    /** The {@code serving} record in etcd, as the dispatcher writes it. */
    Optional<ServingRecord> serving = Optional.empty();

    /** The plan in service that the last status recorded. */
    Optional<ServingRecord> inStatus = Optional.empty();

    World(StageLayout layout) {
      this.layout = layout;
    }

    /** Live workers: pod Ready, registered READY, holding the given slices. */
    World live(int ordinal, String... slices) {
      pod(ordinal, true, true);
      String id = PREFIX + ordinal;
      registered.put(
          id,
          new WorkerRecord(
              id, "10.0.0." + ordinal + ":9000", "CPU", WorkerState.READY, List.of(slices), 0, 0));
      return this;
    }

    World pod(int ordinal, boolean ready, boolean upToDate) {
      pods.put(PREFIX + ordinal, new WorkerPod(PREFIX + ordinal, ordinal, true, ready, upToDate));
      return this;
    }

    World assigned(int ordinal, int stage, long generation) {
      assignments.put(PREFIX + ordinal, new Assignment(PREFIX + ordinal, stage, generation));
      return this;
    }

    World plan(long generation, String... slices) {
      List<PlanStage> stages = new ArrayList<>();
      for (int i = 0; i < slices.length; i++) {
        stages.add(new PlanStage(i, "in" + i, "out" + i, 1, 1, 1, slices[i]));
      }
      plan =
          new PlanRecord(
              generation, "builtin:resnet50", "h", List.of("cut" + generation), stages, null, null);
      published.put(generation, plan);
      return this;
    }

    /** The spec asks for a new plan; the dispatcher has not published it yet. */
    World spec(long generation, StageLayout wanted) {
      specGeneration = generation;
      layout = wanted;
      return this;
    }

    MembershipSnapshot snapshot() {
      return new MembershipSnapshot(true, 1, registered, assignments, plan, null, loadFailure)
          .withServing(serving.orElse(null));
    }

    /**
     * Plays the dispatcher: the published plan goes into service once every stage of it is served,
     * unless a newer one serves already.
     */
    void dispatcherSwitches() {
      if (plan != null
          && serving.map(s -> s.generation() < plan.generation()).orElse(true)
          && snapshot().servesEveryStage(plan)) {
        serving = Optional.of(ServingRecord.of(plan));
      }
    }

    /** Decides, and remembers the serving plan as the status would. */
    WorkerPlan decide() {
      if (etcdRead) {
        dispatcherSwitches();
      }
      WorkerPlan decision =
          WorkerPlanner.plan(
              new Facts(
                  layout,
                  specGeneration,
                  etcdRead ? Optional.of(snapshot()) : Optional.empty(),
                  List.copyOf(pods.values()),
                  inStatus,
                  WorkerPlannerTest::ordinal,
                  n -> PREFIX + n));
      inStatus = decision.serving();
      return decision;
    }

    /** Stores the decision's assignments, as the reconciler does. */
    World apply(WorkerPlan decision) {
      assignments.clear();
      decision.assignments().orElseThrow().forEach(assignments::put);
      return this;
    }

    /** Workers of these ordinals load the slice of the stage they are assigned. */
    World load(int... ordinals) {
      for (int ordinal : ordinals) {
        String id = PREFIX + ordinal;
        Assignment assignment = assignments.get(id);
        WorkerRecord worker = registered.get(id);
        String slice =
            published
                .get(assignment.planGeneration())
                .stages()
                .get(assignment.stage())
                .sliceSha256();
        registered.put(id, worker.withSlices(List.of(slice)));
      }
      return this;
    }

    /** Plan generations whose every stage a worker serves now. */
    List<Long> served() {
      MembershipSnapshot snapshot = snapshot();
      return published.values().stream()
          .filter(snapshot::servesEveryStage)
          .map(PlanRecord::generation)
          .toList();
    }
  }

  private static OptionalInt ordinal(String id) {
    return id.startsWith(PREFIX)
        ? OptionalInt.of(Integer.parseInt(id.substring(PREFIX.length())))
        : OptionalInt.empty();
  }

  private static String message(WorkerPlan plan) {
    return plan.activity().map(WorkerPlan.Activity::message).orElse("");
  }

  private static List<String> names(int... ordinals) {
    return IntStream.of(ordinals).mapToObj(o -> PREFIX + o).toList();
  }

  private static Map<String, String> stages(WorkerPlan plan) {
    SortedMap<String, String> stages = new TreeMap<>();
    plan.assignments()
        .orElseThrow()
        .forEach(
            (id, a) ->
                stages.put(
                    id.substring(PREFIX.length()),
                    (a.isStandby() ? "standby" : "s" + a.stage()) + "@" + a.planGeneration()));
    return stages;
  }

  /** Four stages of one replica, one standby, all serving plan generation 1. */
  private static World serving() {
    World world = new World(StageLayout.of(4, 1, 1)).plan(1, "a", "b", "c", "d");
    String[] slices = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++) {
      world.live(i, slices[i]).assigned(i, i, 1);
    }
    world.serving = Optional.of(new ServingRecord(1, 4, List.of("cut1")));
    world.inStatus = world.serving;
    return world.live(4).assigned(4, Assignment.STANDBY, 1);
  }

  @Test
  void aNewPipelineGetsItsPodsBeforeThereIsAPlan() {
    WorkerPlan plan = new World(StageLayout.of(4, 1, 1)).decide();

    assertThat(plan.podNames()).containsExactlyElementsOf(names(0, 1, 2, 3, 4));
    assertThat(plan.assignments()).contains(new TreeMap<>());
    assertThat(message(plan)).contains("waiting for the dispatcher to publish plan generation 1");
  }

  @Test
  void liveWorkersGetAStageEachAndTheRestStandBy() {
    World world = new World(StageLayout.of(4, 1, 1)).plan(1, "a", "b", "c", "d");
    IntStream.range(0, 5).forEach(world::live);

    WorkerPlan plan = world.decide();

    assertThat(stages(plan))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("0", "s0@1", "1", "s1@1", "2", "s2@1", "3", "s3@1", "4", "standby@1"));
    assertThat(plan.podNames()).containsExactlyInAnyOrderElementsOf(names(0, 1, 2, 3, 4));
    assertThat(plan.activity()).isEmpty();
  }

  @Test
  void aDeletedPodsStageGoesToTheStandbyAndANewlyNamedPodReplacesIt() {
    World world = serving();
    world.pods.remove(PREFIX + 1);

    WorkerPlan plan = world.decide();

    assertThat(stages(plan))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("0", "s0@1", "2", "s2@1", "3", "s3@1", "4", "s1@1"));
    assertThat(plan.podNames()).containsExactlyInAnyOrderElementsOf(names(0, 2, 3, 4, 5));
    assertThat(message(plan)).contains("creating 1 worker pods");
  }

  @Test
  void afterEtcdLostItsKeysStagesWaitForThePlanAndGoBackToTheWorkersHoldingTheirSlices() {
    World world = serving();
    // Failovers moved the slices around before: worker 0 holds the slice of stage 3, 3 of 0.
    world.live(0, "d").live(3, "a");
    // etcd came back empty: the workers registered again, nothing else is there.
    world.assignments.clear();
    world.plan = null;
    world.serving = Optional.empty();

    WorkerPlan waiting = world.decide();

    assertThat(waiting.assignments()).as("nothing is assigned without the slices").isEmpty();
    assertThat(waiting.podNames()).containsExactlyInAnyOrderElementsOf(names(0, 1, 2, 3, 4));
    assertThat(message(waiting))
        .contains("waiting for the dispatcher to publish plan generation 1 again");
    assertThat(waiting.serving()).map(ServingRecord::generation).contains(1L);

    // The dispatcher published the plan again.
    world.plan = world.published.get(1L);
    WorkerPlan restored = world.decide();

    assertThat(stages(restored))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("0", "s3@1", "1", "s1@1", "2", "s2@1", "3", "s0@1", "4", "standby@1"));
    assertThat(restored.activity()).isEmpty();
  }

  @Test
  void anUnreadyWorkerLosesItsStageButKeepsItsPod() {
    World world = serving();
    world.pod(1, false, true);

    WorkerPlan plan = world.decide();

    assertThat(stages(plan)).containsEntry("4", "s1@1").doesNotContainKey("1");
    assertThat(plan.podNames()).containsExactlyInAnyOrderElementsOf(names(0, 1, 2, 3, 4));
  }

  @Test
  void aFailedPodIsReplaced() {
    World world = serving();
    world.pods.put(PREFIX + 2, new WorkerPod(PREFIX + 2, 2, false, false, true));

    WorkerPlan plan = world.decide();

    assertThat(stages(plan)).containsEntry("4", "s2@1");
    assertThat(plan.podNames()).containsExactlyInAnyOrderElementsOf(names(0, 1, 3, 4, 5));
  }

  @Test
  void newNamesNeverReuseAnOrdinalStillKnownToEtcd() {
    World world = serving();
    world.pods.remove(PREFIX + 4);
    world.assigned(9, 0, 1);

    assertThat(world.decide().podNames()).contains(PREFIX + 10).doesNotContain(PREFIX + 5);
  }

  @Test
  void scalingDownKeepsOneWorkerPerStageAndDropsTheRest() {
    World world = new World(StageLayout.of(2, 1, 0)).plan(1, "a", "b");
    for (int i = 0; i < 4; i++) {
      world.live(i, i % 2 == 0 ? "a" : "b").assigned(i, i % 2, 1);
    }

    WorkerPlan plan = world.decide();

    assertThat(stages(plan)).containsExactlyInAnyOrderEntriesOf(Map.of("0", "s0@1", "1", "s1@1"));
    assertThat(plan.podNames()).containsExactlyInAnyOrderElementsOf(names(0, 1));
    assertThat(message(plan)).contains("removing 2 worker pods");
  }

  @Test
  void scalingUpCreatesPodsUnderNewNames() {
    World world = serving();
    world.layout = StageLayout.of(4, 2, 1);

    WorkerPlan plan = world.decide();

    assertThat(plan.podNames()).hasSize(9).containsAll(names(0, 1, 2, 3, 4, 5, 6, 7, 8));
    assertThat(stages(plan)).containsEntry("4", "s0@1");
  }

  @Test
  void withoutEtcdPodsAreKeptAndNothingIsAssigned() {
    World world = serving();
    world.etcdRead = false;
    world.pods.remove(PREFIX + 0);

    WorkerPlan plan = world.decide();

    assertThat(plan.assignments()).isEmpty();
    assertThat(plan.podNames()).containsExactlyInAnyOrderElementsOf(names(1, 2, 3, 4, 5));
    assertThat(message(plan)).contains("waiting for etcd");
  }

  @Test
  void aNewPlanIsRolledOutNextToTheOldOneAndThenTakesOver() {
    World world = serving();
    world.specGeneration = 2;
    world.plan(2, "x", "y");
    world.layout = StageLayout.of(2, 1, 1);

    WorkerPlan first = world.decide();

    assertThat(stages(first))
        .as("the old generation keeps serving while the standby starts on the new one")
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("0", "s0@1", "1", "s1@1", "2", "s2@1", "3", "s3@1", "4", "s0@2"));
    assertThat(first.podNames())
        .as("one surge pod")
        .containsExactlyInAnyOrderElementsOf(names(0, 1, 2, 3, 4, 5));
    assertThat(first.activity().map(WorkerPlan.Activity::reason))
        .contains(WorkerPlan.Reason.RollingOutPlan);
    assertThat(message(first))
        .contains("rolling workers onto plan generation 2 (0/2 stages loaded)");

    world.assignments.clear();
    first.assignments().orElseThrow().forEach(world.assignments::put);
    world.live(4, "x").live(5);
    WorkerPlan second = world.decide();
    assertThat(stages(second)).containsEntry("5", "s1@2").containsEntry("0", "s0@1");

    world.assignments.clear();
    second.assignments().orElseThrow().forEach(world.assignments::put);
    world.live(5, "y");
    WorkerPlan done = world.decide();

    assertThat(stages(done))
        .as("every new stage holds its slice: all move to generation 2, surplus goes")
        .containsExactlyInAnyOrderEntriesOf(Map.of("4", "s0@2", "5", "s1@2", "0", "standby@2"));
    assertThat(done.podNames()).containsExactlyInAnyOrderElementsOf(names(4, 5, 0));
  }

  @Test
  void outdatedPodsHandTheirStageOverBeforeTheyGo() {
    World world = serving();
    world.pod(0, true, false);

    WorkerPlan handover = world.decide();

    assertThat(stages(handover))
        .as("the standby joins stage 0 next to the outdated pod")
        .containsEntry("0", "s0@1")
        .containsEntry("4", "s0@1");
    assertThat(handover.podNames())
        .as("a surge pod replaces the standby")
        .hasSize(6)
        .contains(PREFIX + 5);
    assertThat(message(handover)).contains("replacing 1 worker pods built from an older template");

    world.assignments.clear();
    handover.assignments().orElseThrow().forEach(world.assignments::put);
    world.live(4, "a").live(5);
    WorkerPlan retire = world.decide();

    assertThat(retire.podNames()).doesNotContain(PREFIX + 0).hasSize(5);
    assertThat(stages(retire))
        .containsEntry("4", "s0@1")
        .containsEntry("5", "standby@1")
        .doesNotContainKey("0");
  }

  @Test
  void outdatedPodsWithoutAStageGoAtOnce() {
    World world = serving();
    world.pod(4, true, false);

    WorkerPlan plan = world.decide();

    assertThat(plan.podNames()).doesNotContain(PREFIX + 4).contains(PREFIX + 5).hasSize(5);
  }

  @Test
  void whileANewPlanIsPendingTheServingGenerationStillFailsOver() {
    World world = serving();
    world.specGeneration = 2;
    world.pods.remove(PREFIX + 1);

    WorkerPlan plan = world.decide();

    assertThat(stages(plan)).containsEntry("4", "s1@1").doesNotContainKey("1");
    assertThat(message(plan)).contains("waiting for the dispatcher to publish plan generation 2");
  }

  @Test
  void anInvalidPlanKeepsTheServingGeneration() {
    World world = serving();
    world.specGeneration = 2;
    world.plan =
        PlanRecord.failed(2, "builtin:resnet50", "h", "no such tensor: conv9", List.of("a"));

    WorkerPlan plan = world.decide();

    assertThat(stages(plan)).containsEntry("0", "s0@1").containsEntry("4", "standby@1");
    assertThat(message(plan)).contains("plan generation 2 is invalid");
  }

  @Test
  void aSecondChangeWhileTheFirstLoadsConvergesOnTheNewestAndTheServingPlanKeepsItsWorkers() {
    World world = serving().spec(2, StageLayout.of(2, 1, 1)).plan(2, "x", "y");
    WorkerPlan rolling = world.decide();
    world.apply(rolling).live(5).load(4);
    assertThat(stages(rolling)).containsEntry("4", "s0@2");
    assertThat(world.served()).containsExactly(1L);

    // Generation 3 is asked for while generation 2 loads; the dispatcher is still resolving it.
    world.spec(3, StageLayout.of(3, 1, 1));
    WorkerPlan resolving = world.decide();
    world.apply(resolving);
    assertThat(stages(resolving))
        .as("plan 2 keeps loading next to plan 1, whose workers stay")
        .containsAllEntriesOf(Map.of("0", "s0@1", "1", "s1@1", "2", "s2@1", "3", "s3@1"))
        .containsEntry("4", "s0@2")
        .containsEntry("5", "s1@2");
    assertThat(message(resolving))
        .contains("rolling workers onto plan generation 2 (1/2 stages loaded)")
        .contains("while plan generation 1 serves")
        .contains("then waiting for the dispatcher to publish plan generation 3");
    assertThat(resolving.serving().map(ServingRecord::generation)).contains(1L);

    // Generation 3 is published before generation 2 is complete: generation 2 is abandoned.
    world.plan(3, "p", "q", "r");
    WorkerPlan overtaken = world.decide();
    world.apply(overtaken);
    assertThat(stages(overtaken))
        .as("plan 2's workers move on to plan 3; plan 1's stay")
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("0", "s0@1", "1", "s1@1", "2", "s2@1", "3", "s3@1", "4", "s0@3", "5", "s1@3"));
    assertThat(overtaken.podNames())
        .as("one surge pod for plan 3's last stage")
        .containsExactlyInAnyOrderElementsOf(names(0, 1, 2, 3, 4, 5, 6));
    assertThat(world.served()).containsExactly(1L);

    world.live(6);
    WorkerPlan filled = world.decide();
    world.apply(filled).load(4, 5, 6);
    assertThat(stages(filled)).containsEntry("6", "s2@3").containsEntry("0", "s0@1");
    assertThat(world.served()).containsExactly(1L, 3L);

    WorkerPlan done = world.decide();
    assertThat(done.serving().map(ServingRecord::generation)).contains(3L);
    assertThat(stages(done))
        .as("plan 3 serves: everyone moves to it, the surplus goes")
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("4", "s0@3", "5", "s1@3", "6", "s2@3", "0", "standby@3"));
    assertThat(done.podNames()).containsExactlyInAnyOrderElementsOf(names(4, 5, 6, 0));
  }

  @Test
  void aRejectedSpecKeepsTheServingLayoutAndTheNextValidOneRollsOutFromIt() {
    World world = serving().spec(2, StageLayout.of(3, 1, 1));
    world.plan = PlanRecord.failed(2, "builtin:resnet50", "h", "no such tensor: conv9", null);

    WorkerPlan rejected = world.decide();

    assertThat(stages(rejected))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("0", "s0@1", "1", "s1@1", "2", "s2@1", "3", "s3@1", "4", "standby@1"));
    assertThat(rejected.podNames())
        .as("the pods of the serving layout, not of the rejected one")
        .containsExactlyInAnyOrderElementsOf(names(0, 1, 2, 3, 4));
    assertThat(rejected.activity().map(WorkerPlan.Activity::reason))
        .contains(WorkerPlan.Reason.PlanRejected);
    assertThat(message(rejected))
        .contains("plan generation 2 is invalid; plan generation 1 keeps serving");

    world.spec(3, StageLayout.of(2, 1, 1)).plan(3, "x", "y");
    WorkerPlan rolling = world.decide();
    world.apply(rolling).live(5).load(4);
    assertThat(stages(rolling)).containsEntry("4", "s0@3").containsEntry("3", "s3@1");
    WorkerPlan second = world.decide();
    world.apply(second).load(5);
    assertThat(world.served()).containsExactly(1L, 3L);

    WorkerPlan done = world.decide();
    assertThat(done.serving().map(ServingRecord::generation)).contains(3L);
    assertThat(stages(done)).containsEntry("4", "s0@3").containsEntry("5", "s1@3");
  }

  @Test
  void scalingDuringARolloutNeitherGrowsTheServingPlanNorLeavesAStageOfItEmpty() {
    World world = new World(StageLayout.of(2, 2, 0)).plan(1, "a", "b");
    for (int i = 0; i < 4; i++) {
      world.live(i, i % 2 == 0 ? "a" : "b").assigned(i, i % 2, 1);
    }
    world.serving = Optional.of(new ServingRecord(1, 2, List.of("cut1")));
    world.inStatus = world.serving;
    world.spec(2, StageLayout.of(3, 2, 0)).plan(2, "p", "q", "r");

    WorkerPlan surge = world.decide();
    world.apply(surge);
    assertThat(stages(surge))
        .hasSize(4)
        .allSatisfy((id, stage) -> assertThat(stage).endsWith("@1"));
    assertThat(surge.podNames()).as("no spare: a surge pod per new stage").hasSize(7);

    // Fewer replicas per stage: plan 1 gives up its extra replicas to plan 2 at once.
    world.layout = StageLayout.of(3, 1, 0);
    WorkerPlan scaledDown = world.decide();
    world.apply(scaledDown);
    assertThat(stages(scaledDown))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("0", "s0@1", "1", "s1@1", "2", "s0@2", "3", "s1@2"));
    assertThat(scaledDown.podNames()).hasSize(5).contains(PREFIX + 4);
    world.load(2, 3);

    // More replicas per stage: plan 1 does not grow while plan 2 loads.
    world.layout = StageLayout.of(3, 3, 0);
    world.pods.remove(PREFIX + 1);
    world.registered.remove(PREFIX + 1);
    world.live(4);
    WorkerPlan scaledUp = world.decide();
    world.apply(scaledUp);
    assertThat(stages(scaledUp))
        .as("plan 1's stage 1 lost its worker and gets the spare; plan 2 does not take it")
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("0", "s0@1", "4", "s1@1", "2", "s0@2", "3", "s1@2"));
    assertThat(scaledUp.podNames()).as("3 new stages × 3 replicas").hasSize(9);
    assertThat(world.load(4).served()).containsExactly(1L);

    world.live(5).live(6).live(7).live(8).live(9);
    WorkerPlan loading = world.decide();
    world.apply(loading).load(5);
    assertThat(stages(loading)).containsEntry("5", "s2@2").containsEntry("4", "s1@1");
    assertThat(world.served()).containsExactly(1L, 2L);

    WorkerPlan done = world.decide();
    assertThat(done.serving().map(ServingRecord::generation)).contains(2L);
    assertThat(stages(done)).hasSize(9).allSatisfy((id, stage) -> assertThat(stage).endsWith("@2"));
  }

  @Test
  void aModelTheDispatcherCannotLoadIsShownAndTheServingPlanStays() {
    World world = serving().spec(2, StageLayout.of(2, 1, 1));
    world.loadFailure =
        new LoadFailureRecord(
            2, "pvc://models/cnn", "p-dispatcher-1", "no SavedModel at /mnt/models/cnn");

    WorkerPlan plan = world.decide();

    assertThat(plan.activity().map(WorkerPlan.Activity::reason))
        .contains(WorkerPlan.Reason.ModelLoadFailed);
    assertThat(message(plan))
        .contains(
            "dispatcher p-dispatcher-1 cannot load model pvc://models/cnn for plan generation 2:"
                + " no SavedModel at /mnt/models/cnn; plan generation 1 keeps serving");
    assertThat(stages(plan)).containsEntry("0", "s0@1").containsEntry("4", "standby@1");

    world.loadFailure = new LoadFailureRecord(1, "builtin:resnet50", "p-dispatcher-0", "old");
    assertThat(world.decide().activity().map(WorkerPlan.Activity::reason))
        .as("a failure of another generation is no longer news")
        .contains(WorkerPlan.Reason.WaitingForPlan);
  }

  @Test
  void anInternalErrorOfTheDispatcherIsShownAsItsNotAsTheModels() {
    World world = serving().spec(2, StageLayout.of(2, 1, 1));
    world.loadFailure =
        LoadFailureRecord.internal(
            2, "pvc://models/cnn", "p-dispatcher-1", "java.lang.IllegalStateException: a bug");

    WorkerPlan plan = world.decide();

    assertThat(plan.activity().map(WorkerPlan.Activity::reason))
        .contains(WorkerPlan.Reason.DispatcherError);
    assertThat(message(plan))
        .contains(
            "dispatcher p-dispatcher-1 failed with an internal error while planning generation 2"
                + " (not a fault of the model or the spec; see its log):"
                + " java.lang.IllegalStateException: a bug; plan generation 1 keeps serving")
        .doesNotContain("cannot load model");
    assertThat(stages(plan)).containsEntry("0", "s0@1").containsEntry("4", "standby@1");
  }
}
