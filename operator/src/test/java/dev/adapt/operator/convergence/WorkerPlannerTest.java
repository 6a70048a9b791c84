package dev.adapt.operator.convergence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.operator.convergence.WorkerPlanner.Facts;
import dev.adapt.operator.convergence.WorkerPlanner.ServingLayout;
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
    boolean etcdRead = true;
    Optional<ServingLayout> serving = Optional.empty();

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
          new PlanRecord(generation, "builtin:resnet50", "h", List.of(), stages, null, List.of());
      return this;
    }

    WorkerPlan decide() {
      MembershipSnapshot snapshot =
          new MembershipSnapshot(true, 1, registered, assignments, plan, null);
      return WorkerPlanner.plan(
          new Facts(
              layout,
              specGeneration,
              etcdRead ? Optional.of(snapshot) : Optional.empty(),
              List.copyOf(pods.values()),
              serving,
              WorkerPlannerTest::ordinal,
              n -> PREFIX + n));
    }
  }

  private static OptionalInt ordinal(String id) {
    return id.startsWith(PREFIX)
        ? OptionalInt.of(Integer.parseInt(id.substring(PREFIX.length())))
        : OptionalInt.empty();
  }

  private static Optional<String> message(WorkerPlan plan) {
    return plan.activity().map(WorkerPlan.Activity::message);
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
    world.serving = Optional.of(new ServingLayout(1, 4));
    world.pods.remove(PREFIX + 1);

    WorkerPlan plan = world.decide();

    assertThat(stages(plan)).containsEntry("4", "s1@1").doesNotContainKey("1");
    assertThat(message(plan)).contains("waiting for the dispatcher to publish plan generation 2");
  }

  @Test
  void anInvalidPlanKeepsTheServingGeneration() {
    World world = serving();
    world.specGeneration = 2;
    world.serving = Optional.of(new ServingLayout(1, 4));
    world.plan =
        PlanRecord.failed(2, "builtin:resnet50", "h", "no such tensor: conv9", List.of("a"));

    WorkerPlan plan = world.decide();

    assertThat(stages(plan)).containsEntry("0", "s0@1").containsEntry("4", "standby@1");
    assertThat(message(plan)).contains("plan generation 2 is invalid");
  }
}
