package dev.adapt.core.slice;

import static dev.adapt.core.testing.TestModels.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.model.BuiltinModels;
import dev.adapt.core.model.CutPoint;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.InvalidSplitPointException;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.plan.Stage;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;

/**
 * The built-in ResNet-50, cut by named and balanced plans: the chained slices reproduce the unsplit
 * model (run from its SavedModel by TensorFlow, before any freezing) within 1e-5.
 */
class ResNet50SlicingTest {
  private static final List<String> PROTOTYPE_SPLIT = TestModels.RESNET50_PROTOTYPE_SPLIT;
  private static final double TOLERANCE = 1e-5;

  private static LoadedModel model;
  private static List<HostTensor> inputs;
  private static List<HostTensor> expected;

  @BeforeAll
  static void loadModelAndReference() {
    model = TestModels.resnet50();
    inputs =
        List.of(
            TestModels.randomFloats(1, 1, 224, 224, 3), TestModels.randomFloats(4, 4, 224, 224, 3));
    expected = new ArrayList<>();
    try (SavedModelBundle bundle =
        SavedModelBundle.load(BuiltinModels.savedModel("resnet50").toString(), "serve")) {
      var signature = bundle.metaGraphDef().getSignatureDefOrThrow("serving_default");
      String in = signature.getInputsOrThrow("input_1").getName();
      String out = signature.getOutputsOrThrow("predictions").getName();
      for (HostTensor input : inputs) {
        try (Tensor fed = TensorConversion.toTensor(input);
            Result result = bundle.session().runner().feed(in, fed).fetch(out).run()) {
          expected.add(TensorConversion.toHost(result.get(0)));
        }
      }
    }
  }

  @Test
  void hasKerasInputOutputAndLayerNames() {
    assertThat(model.input().shape()).containsExactly(-1, 224, 224, 3);
    assertThat(model.output().shape()).containsExactly(-1, 1000);
    assertThat(model.inputName()).isEqualTo("input_1");
    assertThat(model.outputName()).isEqualTo("predictions");
    List<String> cuts = model.cutPoints().stream().map(CutPoint::name).toList();
    assertThat(cuts)
        .startsWith("conv1_pad", "conv1_conv/Conv2D", "conv1_conv", "conv1_bn", "conv1_relu")
        .contains("pool1_pad", "pool1_pool", "avg_pool")
        .containsSubsequence(PROTOTYPE_SPLIT)
        .doesNotHaveDuplicates();
    int[] blocks = {3, 4, 6, 3};
    for (int stage = 0; stage < blocks.length; stage++) {
      for (int block = 1; block <= blocks[stage]; block++) {
        String name = "conv" + (stage + 2) + "_block" + block;
        assertThat(cuts).contains(name + "_add", name + "_out");
        for (String layer : List.of("_1_conv", "_1_bn", "_1_relu", "_2_conv", "_3_bn")) {
          assertThat(model.names().resolve(name + layer).tensor()).as(name + layer).isPresent();
        }
      }
      assertThat(model.names().resolve("conv" + (stage + 2) + "_block1_0_conv").tensor())
          .isPresent();
    }
    // Every cut point's name resolves back to its tensor.
    for (CutPoint cut : model.cutPoints()) {
      assertThat(model.names().resolve(cut.name()).tensor()).contains(cut.tensor());
    }
  }

  @Test
  void producesSaneProbabilities() {
    for (HostTensor output : expected) {
      float[] probabilities = output.toFloatArray();
      int rows = (int) output.dim(0);
      for (int row = 0; row < rows; row++) {
        double sum = 0;
        float max = 0;
        int nonTrivial = 0;
        for (int c = 0; c < 1000; c++) {
          float p = probabilities[row * 1000 + c];
          assertThat(Float.isFinite(p)).isTrue();
          sum += p;
          max = Math.max(max, p);
          nonTrivial += p > 1e-4 ? 1 : 0;
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(max).as("not saturated one-hot").isLessThan(0.5f);
        assertThat(nonTrivial).as("classes with a visible probability").isGreaterThan(100);
      }
    }
    assertThat(maxAbsDiff(expected.get(0), expected.get(1).batchSlice(0, 1)))
        .as("different images give different outputs")
        .isGreaterThan(1e-6);
  }

  static Stream<Arguments> plans() {
    return Stream.of(
        Arguments.of("named, 1 stage", List.of(), 0),
        Arguments.of("named, 2 stages", List.of("conv4_block1_out"), 0),
        Arguments.of(
            "named, 4 stages",
            List.of("conv2_block3_add", "conv3_block4_add", "conv4_block4_add"),
            0),
        Arguments.of("named, 8 stages (prototype)", PROTOTYPE_SPLIT, 0),
        Arguments.of("balanced, 2 stages", null, 2),
        Arguments.of("balanced, 4 stages", null, 4),
        Arguments.of("balanced, 8 stages", null, 8));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("plans")
  void chainedSlicesEqualTheUnsplitModel(String description, List<String> splitAt, int stages) {
    Plan plan = splitAt != null ? Planner.named(model, splitAt) : Planner.balanced(model, stages);
    assertThat(plan.stageCount()).isEqualTo(splitAt != null ? splitAt.size() + 1 : stages);

    List<HostTensor> outputs = Chains.run(model, plan, inputs);

    for (int i = 0; i < inputs.size(); i++) {
      assertThat(outputs.get(i).shape()).containsExactly(expected.get(i).shape());
      assertThat(maxAbsDiff(outputs.get(i), expected.get(i)))
          .as("batch of %d", inputs.get(i).dim(0))
          .isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @Test
  void aPlanBalancedByMeasuredCostsEqualsTheUnsplitModel() {
    double[] micros = SegmentProfiler.measure(model, 1, 2, ExecutorOptions.DEFAULT);
    Plan plan = Planner.balanced(model, 4, micros);

    List<HostTensor> outputs = Chains.run(model, plan, inputs.subList(0, 1));

    assertThat(plan.stageCount()).isEqualTo(4);
    assertThat(maxAbsDiff(outputs.get(0), expected.get(0))).isLessThanOrEqualTo(TOLERANCE);
  }

  @Test
  void thePrototypeSplitIsAcceptedAsWritten() {
    Plan plan = Planner.named(model, PROTOTYPE_SPLIT);

    assertThat(plan.cutPointNames()).isEqualTo(PROTOTYPE_SPLIT);
    assertThat(plan.stages()).extracting(Stage::from).startsWith("input_1", "conv2_block1_add");
    assertThat(plan.stages().get(7).to()).isEqualTo("predictions");
    long total = plan.stages().stream().mapToLong(Stage::flops).sum();
    assertThat(total).isEqualTo(Planner.balanced(model, 1).stages().get(0).flops());
  }

  @Test
  void aBalancedPlanHasNoStageCostlierThanTheNamedOnes() {
    for (int stages : new int[] {2, 4, 8}) {
      Plan balanced = Planner.balanced(model, stages);
      long worst = balanced.stages().stream().mapToLong(Stage::flops).max().orElseThrow();
      long total = balanced.stages().stream().mapToLong(Stage::flops).sum();
      long segmentMax = java.util.Arrays.stream(model.segmentFlops()).max().orElseThrow();
      assertThat(worst).isLessThanOrEqualTo(total / stages + segmentMax);
    }
    long worstPrototype =
        Planner.named(model, PROTOTYPE_SPLIT).stages().stream()
            .mapToLong(Stage::flops)
            .max()
            .orElseThrow();
    long worstBalanced =
        Planner.balanced(model, 8).stages().stream().mapToLong(Stage::flops).max().orElseThrow();
    assertThat(worstBalanced).isLessThanOrEqualTo(worstPrototype);
  }

  @Test
  void aTensorInsideAResidualBlockIsRefusedWithTheEnclosingCutPoints() {
    assertThatThrownBy(() -> Planner.named(model, List.of("conv4_block6_2_conv")))
        .isInstanceOf(InvalidSplitPointException.class)
        .hasMessageContaining("'conv4_block6_2_conv'")
        .hasMessageContaining("skip connection")
        .satisfies(
            e ->
                assertThat(((InvalidSplitPointException) e).nearestValid())
                    .containsExactly("conv4_block5_out (before)", "conv4_block6_add (after)"));
  }

  @Test
  void unknownOutOfOrderAndRepeatedNamesAreRefused() {
    assertThatThrownBy(() -> Planner.named(model, List.of("conv9_block1_out")))
        .isInstanceOf(InvalidSplitPointException.class)
        .hasMessageContaining("no layer, operation or tensor is named 'conv9_block1_out'")
        .hasMessageContaining("nearest valid cut points: ");
    assertThatThrownBy(() -> Planner.named(model, List.of("conv4_block1_out", "conv3_block1_out")))
        .isInstanceOf(InvalidSplitPointException.class)
        .hasMessageContaining("comes before 'conv4_block1_out'");
    assertThatThrownBy(
            () -> Planner.named(model, List.of("conv4_block1_out", "conv4_block1_out/Relu:0")))
        .isInstanceOf(InvalidSplitPointException.class)
        .hasMessageContaining("same cut point");
    assertThatThrownBy(() -> Planner.named(model, List.of("predictions")))
        .isInstanceOf(InvalidSplitPointException.class)
        .hasMessageContaining("model's output");
    assertThatThrownBy(() -> Planner.balanced(model, 41))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("39 valid cut points, so at most 40 stages");
  }

  @Test
  void tensorAndOperationNamesWorkAsSplitPoints() {
    Plan byTensor = Planner.named(model, List.of("conv3_block1_out/Relu:0"));
    Plan byOp = Planner.named(model, List.of("conv3_block1_out/Relu"));
    Plan byLayer = Planner.named(model, List.of("conv3_block1_out"));

    assertThat(byTensor.cutPoints()).isEqualTo(byLayer.cutPoints());
    assertThat(byOp.cutPoints()).isEqualTo(byLayer.cutPoints());
  }

  @Test
  void slicesAreDeterministicSelfContainedAndAboutTheirWeightsInSize() {
    Plan plan = Planner.named(model, PROTOTYPE_SPLIT);

    List<SliceArtifact> first = Slicer.slice(model, plan);
    List<SliceArtifact> second = Slicer.slice(model, plan);

    for (int i = 0; i < first.size(); i++) {
      SliceArtifact slice = first.get(i);
      assertThat(slice.sha256()).matches("[0-9a-f]{64}").isEqualTo(second.get(i).sha256());
      assertThat(slice.stage()).isEqualTo(i);
      assertThat(slice.stageCount()).isEqualTo(8);
      long weights = plan.stages().get(i).paramBytes();
      assertThat((long) slice.size()).isBetween(weights, weights + weights / 100 + 64 * 1024);
      SliceArtifact parsed = SliceArtifact.parse(slice.bytes());
      assertThat(parsed.sha256()).isEqualTo(slice.sha256());
      assertThat(parsed.input()).isEqualTo(slice.input());
      assertThat(parsed.outputLabel()).isEqualTo(plan.stages().get(i).to());
    }
    assertThat(first.get(0).input().shape()).containsExactly(-1, 224, 224, 3);
    assertThat(first.get(1).input().shape()).containsExactly(-1, 56, 56, 256);
    assertThat(first.get(7).output().shape()).containsExactly(-1, 1000);
  }
}
