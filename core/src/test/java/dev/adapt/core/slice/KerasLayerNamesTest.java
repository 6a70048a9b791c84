package dev.adapt.core.slice;

import static dev.adapt.core.testing.TestModels.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adapt.core.model.CutPoint;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.model.ModelLoadException;
import dev.adapt.core.model.ModelLoader;
import dev.adapt.core.plan.InvalidSplitPointException;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.plan.Stage;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.testing.TestModels;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keras layer names mean the layer the user names, in a Keras 3 export whose scopes are named
 * differently from its layers (layer {@code activation} in scope {@code activation_1}, layer {@code
 * activation_1} in {@code activation_1_2}).
 */
class KerasLayerNamesTest {
  private static final String FIXTURE = TestModels.KERAS3_NUMBERED_CNN;

  @Test
  void everyLayerNameCutsAtThatLayersOutput() throws IOException {
    LoadedModel model = TestModels.fixture(FIXTURE);
    Map<String, long[]> shapes = layerShapes();
    // Layers at the model's ends, or absent at inference, are no cut points.
    List<String> inner =
        shapes.keySet().stream().filter(l -> !l.equals("dense") && !l.equals("dropout")).toList();
    for (String layer : inner) {
      Plan plan = Planner.named(model, List.of(layer));
      Stage first = plan.stages().get(0);
      long[] expected = shapes.get(layer);
      long elements = Arrays.stream(expected).reduce(1, Math::multiplyExact);
      assertThat(first.outputBytesPerItem())
          .as("bytes per item at layer %s (shape %s)", layer, Arrays.toString(expected))
          .isEqualTo(elements * Float.BYTES);
      assertThat(plan.cutPointNames()).as("the cut's name").containsExactly(layer);
    }
  }

  @Test
  void theCutPointsOfferedAreLayerNames() throws IOException {
    LoadedModel model = TestModels.fixture(FIXTURE);
    List<String> offered = model.offeredCutPoints().stream().map(CutPoint::name).toList();
    assertThat(offered)
        .containsSubsequence(
            "zero_padding2d",
            "conv2d",
            "batch_normalization",
            "activation",
            "zero_padding2d_1",
            "conv2d_1",
            "batch_normalization_1",
            "activation_1",
            "max_pooling2d",
            "conv2d_2",
            "max_pooling2d_1",
            "global_average_pooling2d");
    assertThat(offered).allSatisfy(name -> assertThat(layerShapes()).containsKey(name));
    // A cut inside a layer (the convolution before its bias) stays accepted by its tensor name.
    CutPoint inside =
        model.cutPoints().stream()
            .filter(cut -> !offered.contains(cut.name()))
            .findFirst()
            .orElseThrow();
    assertThat(Planner.named(model, List.of(inside.tensor().toString())).cutPointNames())
        .containsExactly(inside.name());
  }

  @Test
  void balancedPlansCutAtLayersAndEveryStageWorks() {
    LoadedModel model = TestModels.fixture(FIXTURE);
    HostTensor input = TestModels.reference(FIXTURE, "input", new long[] {4, 20, 20, 3});
    HostTensor output = TestModels.reference(FIXTURE, "output", new long[] {4, 4});
    List<String> offered = model.offeredCutPoints().stream().map(CutPoint::name).toList();
    long total = Arrays.stream(model.segmentFlops()).sum();
    for (int stages : new int[] {2, 3}) {
      Plan plan = Planner.balanced(model, stages);
      assertThat(plan.cutPointNames()).as("%d stages", stages).isSubsetOf(offered);
      assertThat(plan.stages())
          .as("%d stages: no stage does next to nothing", stages)
          .allSatisfy(stage -> assertThat(stage.flops()).isGreaterThan(total / 100));
      HostTensor result = Chains.run(model, plan, List.of(input)).get(0);
      assertThat(maxAbsDiff(result, output)).as("%d stages", stages).isLessThanOrEqualTo(1e-5);
    }
    // Three convolutions do the work; a fourth stage would hold only the tiny classifier.
    assertThatThrownBy(() -> Planner.balanced(model, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("into 4 stages that each do at least 1% of its work");
  }

  @Test
  void aLayerThatDoesNothingAtInferenceIsExplained() {
    // Keras 3 leaves no trace of a Dropout layer in an export, so the message cannot say more.
    assertThatThrownBy(() -> Planner.named(TestModels.fixture(FIXTURE), List.of("dropout")))
        .isInstanceOf(InvalidSplitPointException.class)
        .hasMessageContaining("no layer, operation or tensor is named 'dropout'")
        .hasMessageContaining("does nothing at inference");
  }

  @Test
  void aNameOfAnotherPartOfTheSavedModelIsSaidToBeOutsideTheInferenceGraph() {
    // The MLP's `looped` signature holds a while loop that the served signature does not use.
    LoadedModel mlp = TestModels.fixture(TestModels.MODULE_MLP);
    assertThatThrownBy(() -> Planner.named(mlp, List.of("while")))
        .isInstanceOf(InvalidSplitPointException.class)
        .hasMessageContaining("'while' exists in the SavedModel but not in its inference graph");
  }

  @Test
  void aKeras3ModelSavedWithoutExportIsToldToUseExport() {
    String path = TestModels.fixtureDirectory(TestModels.KERAS3_PLAIN_SAVED).toString();
    assertThatThrownBy(() -> ModelLoader.load(path))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("Could not find variable")
        .hasMessageContaining("model.export(path)");
  }

  private static Map<String, long[]> layerShapes() throws IOException {
    Map<String, List<Long>> read =
        new ObjectMapper()
            .readValue(
                TestModels.fixtureDirectory(FIXTURE).resolve("reference/layers.json").toFile(),
                new TypeReference<LinkedHashMap<String, List<Long>>>() {});
    Map<String, long[]> shapes = new LinkedHashMap<>();
    read.forEach(
        (layer, dims) -> shapes.put(layer, dims.stream().mapToLong(Long::longValue).toArray()));
    return shapes;
  }
}
