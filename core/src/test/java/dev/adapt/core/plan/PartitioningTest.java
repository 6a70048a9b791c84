package dev.adapt.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.plan.Partitioning.Fields;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitioningTest {
  private static final Fields SPEC = new Fields("spec.partitioning", "splitAt", "stages");

  @Test
  void splitPointsMakeOneStageMoreThanTheyName() {
    Partitioning at = Partitioning.of(List.of("a", "b"), null, SPEC);

    assertThat(at).isEqualTo(new Partitioning.AtSplitPoints(List.of("a", "b")));
    assertThat(at.stageCount()).isEqualTo(3);
  }

  @Test
  void aStageCountMakesThatManyBalancedStages() {
    Partitioning balanced = Partitioning.of(null, 4, Fields.FLAGS);

    assertThat(balanced).isEqualTo(new Partitioning.Balanced(4));
    assertThat(balanced.stageCount()).isEqualTo(4);
  }

  @Test
  void bothOrNeitherIsRefusedInTheWordsOfWhereTheRequestWasWritten() {
    assertThat(Partitioning.problems(List.of("a"), 2, SPEC))
        .containsExactly("spec.partitioning: set exactly one of splitAt and stages");
    assertThat(Partitioning.problems(null, null, SPEC))
        .containsExactly("spec.partitioning: set exactly one of splitAt and stages");
    assertThat(Partitioning.problems(List.of("a"), 2, Fields.FLAGS))
        .containsExactly("set exactly one of --split-at and --stages");
  }

  @Test
  void aStageCountBelowOneIsRefused() {
    assertThat(Partitioning.problems(null, 0, SPEC))
        .containsExactly("spec.partitioning.stages must be at least 1, not 0");
    assertThat(Partitioning.problems(null, -2, Fields.FLAGS))
        .containsExactly("--stages must be at least 1, not -2");
  }

  @Test
  void everyProblemOfTheSplitPointsIsListed() {
    assertThat(Partitioning.problems(Arrays.asList("a", " ", "a", null), null, Fields.FLAGS))
        .containsExactly(
            "--split-at contains an empty name",
            "--split-at names a twice",
            "--split-at contains an empty name");
    assertThat(Partitioning.problems(List.of(), null, SPEC))
        .containsExactly(
            "spec.partitioning.splitAt names no split point: set spec.partitioning.stages to 1 for"
                + " one stage");
  }

  @Test
  void anInvalidRequestThrowsWithEachProblem() {
    assertThatThrownBy(() -> Partitioning.of(List.of("a", "a"), null, Fields.FLAGS))
        .isInstanceOfSatisfying(
            InvalidPartitioningException.class,
            e -> assertThat(e.problems()).containsExactly("--split-at names a twice"))
        .hasMessage("--split-at names a twice");
  }
}
