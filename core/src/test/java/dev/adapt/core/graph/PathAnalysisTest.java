package dev.adapt.core.graph;

import static dev.adapt.core.graph.Graphs.t;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PathAnalysisTest {

  @Test
  void everyTensorOfAChainIsACutPoint() {
    GraphIndex graph =
        new Graphs()
            .input("x")
            .node("a", "Relu", "x")
            .node("b", "Tanh", "a")
            .node("c", "Sigmoid", "b")
            .index();

    PathAnalysis paths = PathAnalysis.of(graph, t("x"), t("c"));

    assertThat(paths.cutPoints()).containsExactly(t("a"), t("b"));
    assertThat(paths.ops()).containsExactly("a", "b", "c");
    assertThat(paths.segment("a")).isZero();
    assertThat(paths.segment("b")).isEqualTo(1);
    assertThat(paths.segment("c")).isEqualTo(2);
  }

  @Test
  void theBranchesOfADiamondAreNoCutPoints() {
    GraphIndex graph =
        new Graphs()
            .input("x")
            .node("a", "Relu", "x")
            .node("left", "Tanh", "a")
            .node("right", "Sigmoid", "a")
            .node("join", "AddV2", "left", "right")
            .node("out", "Relu", "join")
            .index();

    PathAnalysis paths = PathAnalysis.of(graph, t("x"), t("out"));

    assertThat(paths.cutPoints()).containsExactly(t("a"), t("join"));
    assertThat(paths.isOnPath(t("left"))).isTrue();
    assertThat(paths.segment("left")).isEqualTo(1);
    assertThat(paths.segment("right")).isEqualTo(1);
    assertThat(paths.segment("out")).isEqualTo(2);
  }

  @Test
  void aSkipConnectionCrossesTheTensorsItJumpsOver() {
    // x → a → b → c → add(a, c) → out: the shortcut from a crosses b and c.
    GraphIndex graph =
        new Graphs()
            .input("x")
            .node("a", "Relu", "x")
            .node("b", "Conv2D", "a")
            .node("c", "Conv2D", "b")
            .node("add", "AddV2", "a", "c")
            .node("out", "Relu", "add")
            .index();

    PathAnalysis paths = PathAnalysis.of(graph, t("x"), t("out"));

    assertThat(paths.cutPoints()).containsExactly(t("a"), t("add"));
    TensorName[] around = paths.enclosingCutPoints(t("b"));
    assertThat(around).containsExactly(t("a"), t("add"));
  }

  @Test
  void theInputItselfMayFeedASkipConnection() {
    GraphIndex graph =
        new Graphs()
            .input("x")
            .node("a", "Relu", "x")
            .node("add", "AddV2", "x", "a")
            .node("out", "Relu", "add")
            .index();

    assertThat(PathAnalysis.of(graph, t("x"), t("out")).cutPoints()).containsExactly(t("add"));
  }

  @Test
  void constantsAndWeightsStartNoPath() {
    GraphIndex graph =
        new Graphs()
            .input("x")
            .constant("w")
            .constant("bias")
            .node("bias_read", "Identity", "bias")
            .node("mul", "MatMul", "x", "w")
            .node("add", "BiasAdd", "mul", "bias_read")
            .node("out", "Softmax", "add")
            .index();

    PathAnalysis paths = PathAnalysis.of(graph, t("x"), t("out"));

    assertThat(paths.cutPoints()).containsExactly(t("mul"), t("add"));
    assertThat(paths.isOnPath("bias_read")).isFalse();
    assertThat(paths.isOnPath(t("w"))).isFalse();
  }

  @Test
  void twoOutputsOfOneOperationThatMeetAgainAreNoCutPoints() {
    GraphIndex graph =
        new Graphs()
            .input("x")
            .constant("axis")
            .node("split", "Split", "axis", "x")
            .node("left", "Relu", "split")
            .node("join", "AddV2", "left", "split:1")
            .node("out", "Relu", "join")
            .index();

    PathAnalysis paths = PathAnalysis.of(graph, t("x"), t("out"));

    assertThat(paths.cutPoints()).containsExactly(t("join"));
    assertThat(paths.isOnPath(t("split:1"))).isTrue();
  }

  @Test
  void operationsOffThePathsAreIgnored() {
    GraphIndex graph =
        new Graphs()
            .input("x")
            .node("a", "Relu", "x")
            .node("unused", "Tanh", "a")
            .node("b", "Relu", "a")
            .input("other")
            .node("elsewhere", "Relu", "other")
            .index();

    PathAnalysis paths = PathAnalysis.of(graph, t("x"), t("b"));

    assertThat(paths.cutPoints()).containsExactly(t("a"));
    assertThat(paths.ops()).containsExactly("a", "b");
  }

  @Test
  void anOutputThatDoesNotDependOnTheInputIsRefused() {
    GraphIndex graph =
        new Graphs().input("x").node("a", "Relu", "x").constant("c").node("b", "Neg", "c").index();

    assertThatThrownBy(() -> PathAnalysis.of(graph, t("x"), t("b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not depend on the input");
  }

  @Test
  void controlInputsAreNoPaths() {
    GraphIndex graph =
        new Graphs()
            .input("x")
            .node("a", "Relu", "x")
            .node("b", "Relu", "a", "^x")
            .node("out", "Relu", "b")
            .index();

    assertThat(PathAnalysis.of(graph, t("x"), t("out")).cutPoints())
        .containsExactly(t("a"), t("b"));
  }
}
