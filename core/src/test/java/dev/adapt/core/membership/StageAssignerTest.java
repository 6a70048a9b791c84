package dev.adapt.core.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StageAssignerTest {
  private static final StageLayout TWO_STAGES_ONE_STANDBY = StageLayout.of(2, 1, 1);

  @Test
  void firstAssignmentFillsStagesInOrderThenStandbys() {
    var result = assign(StageLayout.of(3, 1, 1), ready("w0", "w1", "w2", "w3"), Map.of());

    assertThat(stages(result)).isEqualTo(Map.of("w0", 0, "w1", 1, "w2", 2, "w3", -1));
    assertThat(result.values()).allMatch(a -> a.planGeneration() == 7);
  }

  @Test
  void readyWorkersAreAssignedBeforeStartingOnes() {
    var workers = List.of(worker("a", WorkerState.STARTING), worker("b", WorkerState.READY));

    assertThat(stages(assign(StageLayout.of(1, 1, 1), workers, Map.of())))
        .isEqualTo(Map.of("b", 0, "a", -1));
  }

  @Test
  void surplusWorkersGetNoAssignment() {
    var result = assign(StageLayout.of(1, 1, 1), ready("a", "b", "c"), Map.of());

    assertThat(stages(result)).isEqualTo(Map.of("a", 0, "b", -1));
  }

  @Test
  void stagesFillEvenlyWhenWorkersAreScarce() {
    var result = assign(StageLayout.of(3, 2, 0), ready("a", "b", "c", "d"), Map.of());

    assertThat(stages(result)).isEqualTo(Map.of("a", 0, "b", 1, "c", 2, "d", 0));
  }

  @Test
  void currentAssignmentsAreKeptWhenAWorkerJoins() {
    var current = assignments(Map.of("w2", 0, "w1", 1, "w0", -1));
    var workers = ready("w0", "w1", "w2", "a-new");

    var result = assign(TWO_STAGES_ONE_STANDBY, workers, current);

    assertThat(stages(result)).isEqualTo(Map.of("w2", 0, "w1", 1, "w0", -1));
  }

  @Test
  void workersWithoutAssignmentsGetBackTheStagesWhoseSlicesTheyHold() {
    // The store lost every assignment: w0 holds the slice of stage 1, w1 that of stage 0.
    var workers = List.of(holding("w0", "slice-1"), holding("w1", "slice-0"), holding("w2"));

    var result =
        StageAssigner.assign(
            TWO_STAGES_ONE_STANDBY, 7, workers, Map.of(), List.of("slice-0", "slice-1"));

    assertThat(stages(result)).isEqualTo(Map.of("w0", 1, "w1", 0, "w2", -1));
    // Without the slices, workers are placed by id and both slices would have to move.
    assertThat(stages(StageAssigner.assign(TWO_STAGES_ONE_STANDBY, 7, workers, Map.of())))
        .isEqualTo(Map.of("w0", 0, "w1", 1, "w2", -1));
  }

  @Test
  void aHeldSliceDisplacesNoWorkerThatHasAStage() {
    var current = assignments(Map.of("w0", 0, "w1", 1));
    var workers =
        List.of(holding("w0", "slice-0"), holding("w1", "slice-1"), holding("w2", "slice-0"));

    var result =
        StageAssigner.assign(
            TWO_STAGES_ONE_STANDBY, 7, workers, current, List.of("slice-0", "slice-1"));

    assertThat(stages(result)).isEqualTo(Map.of("w0", 0, "w1", 1, "w2", -1));
  }

  @Test
  void joiningWorkerFillsAnEmptyStage() {
    var current = assignments(Map.of("w0", 0));

    var result = assign(TWO_STAGES_ONE_STANDBY, ready("w0", "w1"), current);

    assertThat(stages(result)).isEqualTo(Map.of("w0", 0, "w1", 1));
  }

  @Test
  void deadWorkersStageGoesToTheReadyStandbyAtOnce() {
    var current = assignments(Map.of("w0", 0, "w1", 1, "w2", -1));

    var result = assign(TWO_STAGES_ONE_STANDBY, ready("w0", "w2"), current);

    assertThat(stages(result)).isEqualTo(Map.of("w0", 0, "w2", 1));
  }

  @Test
  void readyStandbyIsPreferredOverReadyNewcomerAndStartingStandby() {
    var current = assignments(Map.of("w0", 0, "w1", 1, "s-ready", -1, "s-starting", -1));
    var workers =
        List.of(
            worker("w0", WorkerState.READY),
            worker("s-ready", WorkerState.READY),
            worker("s-starting", WorkerState.STARTING),
            worker("a-newcomer", WorkerState.READY));

    var result = assign(StageLayout.of(2, 1, 2), workers, current);

    assertThat(result.get("s-ready").stage()).isEqualTo(1);
    assertThat(stages(result))
        .containsEntry("w0", 0)
        .containsEntry("s-starting", -1)
        .containsEntry("a-newcomer", -1);
  }

  @Test
  void readyNewcomerIsPreferredOverStartingStandby() {
    var current = assignments(Map.of("w0", 0, "w1", 1, "s", -1));
    var workers =
        List.of(
            worker("w0", WorkerState.READY),
            worker("s", WorkerState.STARTING),
            worker("z-new", WorkerState.READY));

    var result = assign(TWO_STAGES_ONE_STANDBY, workers, current);

    assertThat(stages(result)).isEqualTo(Map.of("w0", 0, "z-new", 1, "s", -1));
  }

  @Test
  void emptiestStageIsFilledFirst() {
    // Stage 1 lost both replicas, stage 0 lost one: the single standby goes to stage 1.
    var current = assignments(Map.of("a", 0, "b", 0, "c", 1, "d", 1, "s", -1));

    var result = assign(StageLayout.of(2, 2, 1), ready("a", "s"), current);

    assertThat(stages(result)).isEqualTo(Map.of("a", 0, "s", 1));
  }

  @Test
  void workerComingBackAfterBeingReplacedDisplacesNoOne() {
    var layout = TWO_STAGES_ONE_STANDBY;
    var start = assign(layout, ready("w0", "w1", "w2"), Map.of());
    assertThat(stages(start)).isEqualTo(Map.of("w0", 0, "w1", 1, "w2", -1));

    var afterDeath = assign(layout, ready("w0", "w2"), start);
    var afterReturn = assign(layout, ready("w0", "w1", "w2"), afterDeath);

    assertThat(stages(afterDeath)).isEqualTo(Map.of("w0", 0, "w2", 1));
    assertThat(stages(afterReturn)).isEqualTo(Map.of("w0", 0, "w2", 1, "w1", -1));
  }

  @Test
  void flappingWorkerCausesNoChurn() {
    var layout = StageLayout.of(3, 1, 1);
    var current = assign(layout, ready("a", "b", "c", "d"), Map.of());
    List<Map<String, Integer>> history = new ArrayList<>();
    for (int round = 0; round < 6; round++) {
      var live = round % 2 == 0 ? ready("a", "c", "d") : ready("a", "b", "c", "d");
      current = assign(layout, live, current);
      history.add(stages(current));
    }

    // b left and came back three times: after the first departure, only b's standby role moves.
    assertThat(history.get(0)).isEqualTo(Map.of("a", 0, "d", 1, "c", 2));
    for (int round = 1; round < history.size(); round++) {
      Map<String, Integer> staged = new HashMap<>(history.get(round));
      staged.values().removeIf(stage -> stage < 0);
      assertThat(staged).as("round %d", round).isEqualTo(Map.of("a", 0, "d", 1, "c", 2));
    }
    assertThat(history.get(5)).containsEntry("b", -1);
  }

  @Test
  void assignmentOfAFlappingWorkerLeftInTheStoreDoesNotEvictItsReplacement() {
    // The store still names a worker whose stage was handed over; both claim stage 0.
    var current = assignments(Map.of("a-returned", 0, "b-replacement", 0));
    var workers =
        List.of(
            worker("a-returned", WorkerState.STARTING), worker("b-replacement", WorkerState.READY));

    var result = assign(StageLayout.of(1, 1, 1), workers, current);

    assertThat(stages(result)).isEqualTo(Map.of("b-replacement", 0, "a-returned", -1));
  }

  @Test
  void scaleUpTakesStandbysFirstThenRefillsTheStandbySlot() {
    var current = assignments(Map.of("a", 0, "b", 1, "s", -1));

    var result =
        assign(StageLayout.of(2, 1, 1).withReplicas(1, 2), ready("a", "b", "s", "n"), current);

    assertThat(stages(result)).isEqualTo(Map.of("a", 0, "b", 1, "s", 1, "n", -1));
  }

  @Test
  void scaleDownKeepsReadyReplicasAndTurnsTheRestIntoStandbys() {
    var current = assignments(Map.of("a", 0, "b", 0, "c", 0, "d", 1));
    var workers =
        List.of(
            worker("a", WorkerState.STARTING),
            worker("b", WorkerState.READY),
            worker("c", WorkerState.READY),
            worker("d", WorkerState.READY));

    var result = assign(StageLayout.of(2, 1, 1), workers, current);

    assertThat(stages(result)).isEqualTo(Map.of("b", 0, "d", 1, "c", -1));
  }

  @Test
  void fewerStagesReleaseTheWorkersOfRemovedStages() {
    var current = assignments(Map.of("a", 0, "b", 1, "c", 2, "s", -1));

    var result = assign(StageLayout.of(2, 1, 2), ready("a", "b", "c", "s"), current);

    assertThat(stages(result)).isEqualTo(Map.of("a", 0, "b", 1, "s", -1, "c", -1));
  }

  @Test
  void drainingWorkersAreReplaced() {
    var current = assignments(Map.of("a", 0, "s", -1));
    var workers = List.of(worker("a", WorkerState.DRAINING), worker("s", WorkerState.READY));

    var result = assign(StageLayout.of(1, 1, 1), workers, current);

    assertThat(stages(result)).isEqualTo(Map.of("s", 0));
  }

  @Test
  void assignmentsOfWorkersThatAreNotLiveAreDropped() {
    var current = assignments(Map.of("gone", 0, "a", 1));

    var result = assign(StageLayout.of(2, 1, 0), ready("a"), current);

    assertThat(stages(result)).isEqualTo(Map.of("a", 1));
  }

  @Test
  void resultDependsOnlyOnInputsNotOnTheirOrder() {
    var current = assignments(Map.of("c", 0, "x", 1));
    var forward = ready("a", "b", "c", "d", "e");
    var backward = new ArrayList<>(forward);
    java.util.Collections.reverse(backward);

    var layout = StageLayout.of(3, 1, 1);
    assertThat(assign(layout, forward, current)).isEqualTo(assign(layout, backward, current));
    assertThat(assign(layout, forward, current)).isEqualTo(assign(layout, forward, current));
  }

  @Test
  void resultIsAFixedPoint() {
    var layout = StageLayout.of(4, 2, 2).withReplicas(0, 1);
    var workers = ready("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
    var first = assign(layout, workers, Map.of());

    assertThat(assign(layout, workers, first)).isEqualTo(first);
    assertThat(first).hasSize(layout.workersWanted());
  }

  @Test
  void newPlanGenerationKeepsStagesAndCarriesTheGeneration() {
    var current = assignments(Map.of("a", 1, "b", 0));

    var result = StageAssigner.assign(StageLayout.of(2, 1, 0), 8, ready("a", "b"), current);

    assertThat(result.values())
        .containsExactlyInAnyOrder(new Assignment("a", 1, 8), new Assignment("b", 0, 8));
  }

  @Test
  void layoutRejectsNonsense() {
    assertThatThrownBy(() -> StageLayout.of(2, 0, 0)).hasMessageContaining("replicas per stage");
    assertThatThrownBy(() -> StageLayout.of(2, 1, -1)).hasMessageContaining("standbys");
    assertThatThrownBy(() -> StageLayout.of(2, 1, 0).withReplicas(2, 1))
        .hasMessageContaining("stage 2 but there are 2 stages");
    assertThatThrownBy(() -> StageLayout.of(2, 1, 0).withReplicas(1, 0))
        .hasMessageContaining("at least one replica");
  }

  private static SortedMap<String, Assignment> assign(
      StageLayout layout, List<WorkerRecord> workers, Map<String, Assignment> current) {
    return StageAssigner.assign(layout, 7, workers, current);
  }

  private static Map<String, Integer> stages(Map<String, Assignment> assignments) {
    return assignments.values().stream()
        .collect(Collectors.toMap(Assignment::workerId, Assignment::stage));
  }

  private static Map<String, Assignment> assignments(Map<String, Integer> stages) {
    Map<String, Assignment> result = new TreeMap<>();
    stages.forEach((id, stage) -> result.put(id, new Assignment(id, stage, 7)));
    return result;
  }

  private static List<WorkerRecord> ready(String... ids) {
    return Arrays.stream(ids).map(id -> worker(id, WorkerState.READY)).toList();
  }

  private static WorkerRecord holding(String id, String... slices) {
    return new WorkerRecord(id, "127.0.0.1:1", "CPU", WorkerState.READY, List.of(slices), 0, 1);
  }

  private static WorkerRecord worker(String id, WorkerState state) {
    return new WorkerRecord(id, "127.0.0.1:1", "CPU", state, List.of(), 0, 1);
  }
}
