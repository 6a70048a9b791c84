package dev.adapt.core.graph;

import static dev.adapt.core.graph.Graphs.t;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class NameResolverTest {
  // A Keras-3-like graph: layers are name scopes with a numeric suffix, inside a model scope.
  private final GraphIndex graph =
      new Graphs()
          .input("image")
          .constant("model_1/conv_1/kernel")
          .node("model_1/conv_1/Conv2D", "Conv2D", "image", "model_1/conv_1/kernel")
          .constant("model_1/conv_1/bias")
          .node("model_1/conv_1/BiasAdd", "BiasAdd", "model_1/conv_1/Conv2D", "model_1/conv_1/bias")
          .node("model_1/relu_1/Relu", "Relu", "model_1/conv_1/BiasAdd")
          .node("model_1/branch_a_1/Tanh", "Tanh", "model_1/relu_1/Relu")
          .node("model_1/branch_b_1/Neg", "Neg", "model_1/relu_1/Relu")
          .node("model_1/join_1/add", "AddV2", "model_1/branch_a_1/Tanh", "model_1/branch_b_1/Neg")
          .node("Identity", "Identity", "model_1/join_1/add")
          .node("conv", "Relu", "Identity")
          .index();
  private final NameResolver names = new NameResolver(graph, t("conv"));

  @Test
  void aLayerNameResolvesToTheTensorThatLeavesItsScope() {
    assertThat(names.resolve("relu").tensor()).contains(t("model_1/relu_1/Relu"));
    assertThat(names.resolve("join").tensor()).contains(t("model_1/join_1/add"));
    assertThat(names.resolve("relu_1").tensor()).contains(t("model_1/relu_1/Relu"));
  }

  @Test
  void anExactOperationNameWinsOverAScope() {
    // "conv" is an operation; the layer scope "conv_1" is only a fallback for unknown names.
    assertThat(names.resolve("conv").tensor()).contains(t("conv"));
    assertThat(names.resolve("conv_1").tensor()).contains(t("model_1/conv_1/BiasAdd"));
  }

  @Test
  void tensorAndOperationNamesResolve() {
    assertThat(names.resolve("model_1/conv_1/Conv2D").tensor())
        .contains(t("model_1/conv_1/Conv2D"));
    assertThat(names.resolve("model_1/branch_b_1/Neg:0").tensor())
        .contains(t("model_1/branch_b_1/Neg"));
  }

  @Test
  void unknownAndAmbiguousNamesSayWhy() {
    NameResolver.Resolution unknown = names.resolve("dense");
    assertThat(unknown.tensor()).isEmpty();
    assertThat(unknown.problem()).contains("no layer, operation or tensor is named 'dense'");

    // The model scope has one leaving tensor (to Identity); "branch" matches no scope.
    assertThat(names.resolve("model").tensor()).contains(t("model_1/join_1/add"));
    assertThat(names.resolve("branch").tensor()).isEqualTo(Optional.empty());
  }

  @Test
  void labelsAreTheInnermostLayerNameThatResolvesBack() {
    assertThat(names.label(t("model_1/relu_1/Relu"))).isEqualTo("relu");
    assertThat(names.label(t("model_1/join_1/add"))).isEqualTo("join");
    // Conv2D is inside the conv_1 scope but does not leave it: its own name is the label.
    assertThat(names.label(t("model_1/conv_1/Conv2D"))).isEqualTo("model_1/conv_1/Conv2D");
    for (String label :
        new String[] {"relu", "join", "model_1/conv_1/Conv2D", names.label(t("Identity"))}) {
      assertThat(names.resolve(label).tensor()).isPresent();
    }
  }
}
