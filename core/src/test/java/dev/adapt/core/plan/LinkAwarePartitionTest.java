package dev.adapt.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.graph.GraphIndex;
import dev.adapt.core.graph.TensorName;
import dev.adapt.core.wire.WireEncoding;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/** The partition DP with a link model, on synthetic chains (no model, no TensorFlow). */
class LinkAwarePartitionTest {
  // A device that does one unit of cost per second, so that a group's compute time is its cost.
  private static LinkModel link(double bytesPerSecond) {
    return new LinkModel(bytesPerSecond, 1, WireEncoding.LZ4);
  }

  @Test
  void aSlowLinkMovesTheCutOffAHugeTensor() {
    // Four equal segments; the FLOPs-balanced cut (after segment 1) crosses a 1000-byte tensor,
    // the others 10 bytes. Input 10 bytes, output 1.
    double[] costs = {1, 1, 1, 1};
    long[] wire = {10, 10, 1000, 10, 1};

    int[] flops = BalancedPartition.partition(costs, 2, i -> wire[i + 1], 0);
    int[] linked = BalancedPartition.partition(costs, 2, wire, 0, link(100));

    assertThat(flops).containsExactly(1);
    // At 100 bytes/s the huge tensor takes 10 s against 2 s of compute; cutting after segment 0
    // (or 2) leaves a 3 s stage, the best there is.
    assertThat(linked).containsExactly(0);
    assertThat(bottleneck(costs, wire, linked, link(100)))
        .isEqualTo(3.0)
        .isLessThan(bottleneck(costs, wire, flops, link(100)));
  }

  @Test
  void aFastLinkKeepsTheComputeBalancedCut() {
    double[] costs = {1, 1, 1, 1};
    long[] wire = {10, 10, 1000, 10, 1};

    assertThat(BalancedPartition.partition(costs, 2, wire, 0, link(1e6))).containsExactly(1);
  }

  @Test
  void ofTwoEquivalentCutsTheSmallerOnTheWireWins() {
    // A residual block's _add (cut 0) and its _out (cut 1) hold the same raw bytes and nothing
    // costly lies between them (the ReLU); LZ4 sends the _out 1.38x smaller.
    double[] costs = {2, 0, 2};
    long raw = 1380;
    long[] wire = {10, raw, Math.round(raw / WireSizes.ratio(WireEncoding.LZ4, true)), 1};

    // Without a link model the raw bytes tie and the earliest cut, the _add, wins (as today).
    assertThat(BalancedPartition.partition(costs, 2, i -> raw, 0)).containsExactly(0);
    // Compute-bound: the bottleneck ties, the fewest wire bytes break it.
    assertThat(BalancedPartition.partition(costs, 2, wire, 0, link(1e6))).containsExactly(1);
    // Link-bound: the _out is faster.
    assertThat(BalancedPartition.partition(costs, 2, wire, 0, link(100))).containsExactly(1);
  }

  @Test
  void theMinimumStaysAMinimumOfWork() {
    // A link-bound chain could be cut so that the last group only adds a bias; the minimum of
    // cost forbids it as it does without a link.
    double[] costs = {5, 5, 10, 0.1};
    long[] wire = {1, 1000, 1000, 1000, 1};

    assertThat(BalancedPartition.partition(costs, 3, wire, 1, link(1))).containsExactly(0, 1);
  }

  @Test
  void aStageTakesTheSlowerOfComputeAndTheLargerTransfer() {
    LinkModel model = LinkModel.ofBits(100_000_000, 1e9, WireEncoding.NONE);

    assertThat(model.linkBytesPerSecond()).isEqualTo(12.5e6);
    assertThat(model.stageSeconds(1e8, 1_250_000, 2_500_000)).isEqualTo(0.2);
    assertThat(model.stageSeconds(5e8, 1_250_000, 2_500_000)).isEqualTo(0.5);
    assertThat(model.inUnits(1e-3).computeSeconds(1e6)).isEqualTo(1.0);
    assertThatThrownBy(() -> new LinkModel(0, 1, WireEncoding.NONE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void wireSizesFollowTheMeasuredRatios() {
    assertThat(WireSizes.ratio(WireEncoding.NONE, true)).isEqualTo(1.0);
    assertThat(WireSizes.ratio(WireEncoding.LZ4, false)).isEqualTo(1.0);
    assertThat(WireSizes.ratio(WireEncoding.LZ4, true)).isEqualTo(1.38);
    assertThat(
            WireSizes.ratio(
                new WireEncoding(
                    WireEncoding.parseCompression("shuffle-lz4"),
                    WireEncoding.parseFloats("bfloat16")),
                false))
        .isEqualTo(2.38);
  }

  @Test
  void aTensorAfterAReluThroughIdentitiesIsAfterRelu() {
    GraphIndex graph =
        new GraphIndex(
            GraphDef.newBuilder()
                .addNode(node("x", "Placeholder"))
                .addNode(node("block_add", "AddV2", "x", "x"))
                .addNode(node("block_relu", "Relu", "block_add"))
                .addNode(node("block_out", "Identity", "block_relu"))
                .build());

    assertThat(WireSizes.afterRelu(graph, TensorName.parse("block_out:0"))).isTrue();
    assertThat(WireSizes.afterRelu(graph, TensorName.parse("block_add:0"))).isFalse();
    assertThat(WireSizes.of(graph, TensorName.parse("block_out:0"), 1380, WireEncoding.LZ4))
        .isEqualTo(1000);
    assertThat(WireSizes.of(graph, TensorName.parse("block_add:0"), -1, WireEncoding.LZ4)).isZero();
  }

  private static NodeDef node(String name, String op, String... inputs) {
    NodeDef.Builder node = NodeDef.newBuilder().setName(name).setOp(op);
    for (String input : inputs) {
      node.addInput(input);
    }
    return node.build();
  }

  private static double bottleneck(double[] costs, long[] wire, int[] cuts, LinkModel link) {
    double worst = 0;
    int start = 0;
    for (int g = 0; g <= cuts.length; g++) {
      int end = g == cuts.length ? costs.length : cuts[g] + 1;
      double cost = 0;
      for (int s = start; s < end; s++) {
        cost += costs[s];
      }
      worst = Math.max(worst, link.stageSeconds(cost, wire[start], wire[end]));
      start = end;
    }
    return worst;
  }
}
