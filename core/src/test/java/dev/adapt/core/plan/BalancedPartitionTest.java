package dev.adapt.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BalancedPartitionTest {

  @Test
  void splitsEqualSegmentsEvenly() {
    int[] cuts = BalancedPartition.partition(new double[] {1, 1, 1, 1, 1, 1}, 3, i -> 1, 0);

    assertThat(cuts).containsExactly(1, 3);
  }

  @Test
  void minimisesTheCostliestGroup() {
    // Best max is 9: [4 5] [9] [3 3 2] — any other split has a group above 9.
    int[] cuts = BalancedPartition.partition(new double[] {4, 5, 9, 3, 3, 2}, 3, i -> 1, 0);

    assertThat(cuts).containsExactly(1, 2);
  }

  @Test
  void amongEquallyBalancedCutsPrefersTheFewestBytes() {
    // Cutting after segment 0, 1 or 2 all give a max of 1; cut 1 moves the fewest bytes.
    long[] bytes = {10, 5, 7};

    int[] cuts = BalancedPartition.partition(new double[] {1, 0, 0, 1}, 2, i -> bytes[i], 0);

    assertThat(cuts).containsExactly(1);
  }

  @Test
  void oneGroupNeedsNoCut() {
    assertThat(BalancedPartition.partition(new double[] {3, 1}, 1, i -> 1, 0)).isEmpty();
  }

  @Test
  void asManyGroupsAsSegmentsCutsEverywhere() {
    assertThat(BalancedPartition.partition(new double[] {3, 1, 2}, 3, i -> 1, 0))
        .containsExactly(0, 1);
  }

  @Test
  void noGroupFallsBelowTheMinimum() {
    // Without the minimum, the cheapest maximum (10) leaves the last group only the bias (0.1).
    double[] costs = {5, 5, 10, 0.1};
    assertThat(BalancedPartition.partition(costs, 3, i -> 1, 0)).containsExactly(1, 2);
    assertThat(BalancedPartition.partition(costs, 3, i -> 1, 1)).containsExactly(0, 1);
  }

  @Test
  void aMinimumNoPartitionReachesGivesNull() {
    assertThat(BalancedPartition.partition(new double[] {5, 0.1, 5}, 3, i -> 1, 1)).isNull();
  }

  @Test
  void editDistanceCountsEdits() {
    assertThat(Planner.editDistance("conv4_block6_outt", "conv4_block6_out")).isEqualTo(1);
    assertThat(Planner.editDistance("", "abc")).isEqualTo(3);
    assertThat(Planner.editDistance("kitten", "sitting")).isEqualTo(3);
  }
}
