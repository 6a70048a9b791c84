package dev.adapt.core.slice;

import static dev.adapt.core.testing.TestModels.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.model.CutPoint;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.model.ModelLoadException;
import dev.adapt.core.model.ModelLoader;
import dev.adapt.core.model.ModelSource;
import dev.adapt.core.plan.InvalidSplitPointException;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SavedModels written by TensorFlow 2.18 itself (see {@code savedmodels/make_fixtures.py}): a Keras
 * functional CNN with a residual skip, and a tf.Module MLP. The chained slices must reproduce the
 * outputs Python TensorFlow computed for the same input.
 */
class SavedModelSlicingTest {
  private static final double TOLERANCE = 1e-5;

  private static List<HostTensor> referenceBatches(
      String fixture, long[] inputShape, long[] outputShape) {
    HostTensor input = TestModels.reference(fixture, "input", inputShape);
    HostTensor output = TestModels.reference(fixture, "output", outputShape);
    return List.of(input.batchSlice(0, 1), input, output.batchSlice(0, 1), output);
  }

  /**
   * Checks every balanced plan from one stage up to the first the planner refuses (because a stage
   * would do next to nothing, or the cut points run out) and returns the most stages it made.
   */
  private static int balancedPlansMatchUpToTheirLimit(
      LoadedModel model, List<HostTensor> reference) {
    int stages = 1;
    while (true) {
      Plan plan;
      try {
        plan = Planner.balanced(model, stages);
      } catch (IllegalArgumentException refused) {
        assertThat(refused)
            .hasMessageMatching(".*(at least 1% of its work|so at most " + stages + " stages).*");
        return stages - 1;
      }
      assertChainsMatch(model, plan, reference);
      stages++;
    }
  }

  private static void assertChainsMatch(LoadedModel model, Plan plan, List<HostTensor> reference) {
    List<HostTensor> outputs = Chains.run(model, plan, reference.subList(0, 2));
    assertThat(maxAbsDiff(outputs.get(0), reference.get(2)))
        .as("%s, batch 1", plan.cutPointNames())
        .isLessThanOrEqualTo(TOLERANCE);
    assertThat(maxAbsDiff(outputs.get(1), reference.get(3)))
        .as("%s, batch 4", plan.cutPointNames())
        .isLessThanOrEqualTo(TOLERANCE);
  }

  @Test
  void kerasCnnSlicesReproduceTensorFlowsOutput() {
    LoadedModel model = TestModels.fixture(TestModels.KERAS_RESIDUAL_CNN);
    List<HostTensor> reference =
        referenceBatches(
            TestModels.KERAS_RESIDUAL_CNN, new long[] {4, 32, 32, 3}, new long[] {4, 10});

    assertThat(model.input().shape()).containsExactly(-1, 32, 32, 3);
    assertThat(model.output().shape()).containsExactly(-1, 10);
    assertThat(model.inputName()).isEqualTo("image");
    List<String> cuts = model.cutPoints().stream().map(CutPoint::name).toList();
    assertThat(cuts)
        .containsSubsequence(
            "stem_conv",
            "stem_bn",
            "stem_relu",
            "block_add",
            "block_out",
            "down_conv",
            "avg_pool",
            "fc")
        .doesNotContain("block_1_conv", "block_1_relu", "block_2_bn");
    // Only three segments hold convolutions or products: a fourth balanced stage would do next to
    // nothing, so it is refused; named cuts may still make as many stages as there are cut points.
    for (int stages = 1; stages <= 3; stages++) {
      assertChainsMatch(model, Planner.balanced(model, stages), reference);
    }
    assertThatThrownBy(() -> Planner.balanced(model, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("into 4 stages that each do at least 1% of its work")
        .hasMessageContaining("ask for fewer stages");
    assertChainsMatch(
        model, Planner.named(model, List.of("stem_relu", "block_out", "avg_pool")), reference);
    assertChainsMatch(
        model,
        Planner.named(
            model,
            List.of(
                "stem_conv", "stem_bn", "stem_relu", "block_add", "block_out", "down_conv", "fc")),
        reference);
    assertChainsMatch(model, Planner.named(model, List.of("block_out")), reference);
  }

  @Test
  void keras2CnnSlicesReproduceTensorFlowsOutput() {
    LoadedModel model = TestModels.fixture(TestModels.KERAS2_RESIDUAL_CNN);
    List<HostTensor> reference =
        referenceBatches(
            TestModels.KERAS2_RESIDUAL_CNN, new long[] {4, 24, 24, 3}, new long[] {4, 6});

    assertThat(model.inputName()).isEqualTo("pixels");
    assertThat(model.outputName()).isEqualTo("probabilities");
    List<String> cuts = model.cutPoints().stream().map(CutPoint::name).toList();
    assertThat(cuts)
        .containsSubsequence("conv1", "bn1", "relu1", "merge", "merge_relu", "pool")
        .doesNotContain("branch_conv", "branch_bn", "shortcut_conv");
    assertThat(balancedPlansMatchUpToTheirLimit(model, reference)).isGreaterThanOrEqualTo(2);
    assertChainsMatch(model, Planner.named(model, List.of("relu1", "merge_relu")), reference);
    assertThatThrownBy(() -> Planner.named(model, List.of("branch_bn")))
        .isInstanceOf(InvalidSplitPointException.class)
        .hasMessageContaining("relu1 (before)")
        .hasMessageContaining("merge (after)");
  }

  @Test
  void kerasLayersInsideTheResidualBlockAreRefused() {
    LoadedModel model = TestModels.fixture(TestModels.KERAS_RESIDUAL_CNN);

    assertThatThrownBy(() -> Planner.named(model, List.of("block_1_relu")))
        .isInstanceOf(InvalidSplitPointException.class)
        .hasMessageContaining("skip connection")
        .hasMessageContaining("stem_relu (before)")
        .hasMessageContaining("block_add (after)");
  }

  @Test
  void moduleMlpSlicesReproduceTensorFlowsOutput() {
    LoadedModel model = TestModels.fixture(TestModels.MODULE_MLP);
    List<HostTensor> reference =
        referenceBatches(TestModels.MODULE_MLP, new long[] {4, 16}, new long[] {4, 5});

    assertThat(model.input().shape()).containsExactly(-1, 16);
    assertThat(model.outputName()).isEqualTo("scores");
    // hidden1 feeds both hidden2 and the skip: nothing between it and the skip's sum is a cut.
    List<String> cuts = model.cutPoints().stream().map(CutPoint::name).toList();
    assertThat(cuts).contains("hidden1", "skip").doesNotContain("hidden2");
    assertThat(balancedPlansMatchUpToTheirLimit(model, reference)).isGreaterThanOrEqualTo(3);
    assertChainsMatch(model, Planner.named(model, List.of("hidden1", "skip")), reference);
  }

  @Test
  void anotherSignatureCanBeChosen() {
    Path mlp = TestModels.fixtureDirectory(TestModels.MODULE_MLP);

    LoadedModel hidden = ModelLoader.load(ModelSource.parse(mlp.toString(), "hidden"));

    assertThat(hidden.output().shape()).containsExactly(-1, 24);
    assertThat(hidden.outputName()).isEqualTo("hidden");
    HostTensor out =
        Chains.run(hidden, Planner.balanced(hidden, 1), List.of(TestModels.randomFloats(3, 2, 16)))
            .get(0);
    for (float v : out.toFloatArray()) {
      assertThat(v).isGreaterThanOrEqualTo(0f);
    }
  }

  @Test
  void modelsThePipelineCannotCarryAreRefusedWithTheReason(@TempDir Path empty) throws Exception {
    String mlp = TestModels.fixtureDirectory(TestModels.MODULE_MLP).toString();

    assertThatThrownBy(() -> ModelLoader.load(ModelSource.parse(mlp, "pair")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("signature 'pair' has 2 inputs (left, right)");
    assertThatThrownBy(() -> ModelLoader.load(ModelSource.parse(mlp, "split")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("signature 'split' has 2 outputs (first, second)");
    assertThatThrownBy(() -> ModelLoader.load(ModelSource.parse(mlp, "nope")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("has no signature 'nope'")
        .hasMessageContaining("its signatures: hidden, looped, pair, serving_default, split");
    assertThatThrownBy(() -> ModelLoader.load(ModelSource.parse(mlp, "looped")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("While")
        .hasMessageContaining("without control flow");
    assertThatThrownBy(() -> ModelLoader.load(empty.resolve("missing").toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("no such directory");
    assertThatThrownBy(() -> ModelLoader.load(empty.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("not a SavedModel");
    Files.write(empty.resolve("saved_model.pb"), new byte[] {1, 2, 3, 4});
    assertThatThrownBy(() -> ModelLoader.load(empty.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("cannot load SavedModel " + empty);
  }
}
