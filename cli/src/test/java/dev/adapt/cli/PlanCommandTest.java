package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adapt.core.testing.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PlanCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Run(int exitCode, String out, String err) {}

  private static Run adapt(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine command = AdaptCommand.commandLine();
    command.setOut(new PrintWriter(out, true));
    command.setErr(new PrintWriter(err, true));
    int exitCode = command.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  @Test
  void printsTheClassicPrototypeSplitOfResNet50AsJson() throws Exception {
    Run run =
        adapt(
            "plan",
            "--model",
            "builtin:resnet50",
            "--split-at",
            String.join(",", TestModels.RESNET50_PROTOTYPE_SPLIT),
            "--json");

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode plan = JSON.readTree(run.out());
    assertThat(names(plan.get("cutPoints"))).isEqualTo(TestModels.RESNET50_PROTOTYPE_SPLIT);
    JsonNode stages = plan.get("stages");
    assertThat(stages).hasSize(8);
    JsonNode first = stages.get(0);
    assertThat(first.get("index").asInt()).isZero();
    assertThat(first.get("from").asText()).isEqualTo("input_1");
    assertThat(first.get("to").asText()).isEqualTo("conv2_block1_add");
    // conv2_block1_add is 56x56x256 float32 per image.
    assertThat(first.get("outputBytesPerItem").asLong()).isEqualTo(56L * 56 * 256 * 4);
    JsonNode last = stages.get(7);
    assertThat(last.get("from").asText()).isEqualTo("conv5_block1_add");
    assertThat(last.get("to").asText()).isEqualTo("predictions");
    assertThat(last.get("outputBytesPerItem").asLong()).isEqualTo(1000L * 4);
    long flops = 0;
    long params = 0;
    for (JsonNode stage : stages) {
      assertThat(stage.get("flops").asLong()).isPositive();
      assertThat(stage.get("paramBytes").asLong()).isPositive();
      flops += stage.get("flops").asLong();
      params += stage.get("paramBytes").asLong();
    }
    // ResNet-50: about 3.9 G multiply-adds and 25.6 M parameters (float32).
    assertThat(flops).isBetween(7_600_000_000L, 7_900_000_000L);
    assertThat(params).isBetween(100_000_000L, 105_000_000L);
    assertThat(names(plan.get("validCutPoints"))).contains("conv4_block6_out", "avg_pool");
  }

  @Test
  void printsABalancedPlanAsATable() {
    Run run = adapt("plan", "--model", "builtin:resnet50", "--stages", "4");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("Plan: 4 stages, cut at ")
        .contains("GFLOPs/item")
        .contains("input_1")
        .contains("predictions")
        .containsPattern("(?m)^3\\s+conv\\S+\\s+predictions\\s");
  }

  @Test
  void refusesASplitPointInsideAResidualBlockWithOneLineNamingTheNearestCuts() {
    Run run =
        adapt("plan", "--model", "builtin:resnet50", "--split-at", "conv4_block6_2_conv", "--json");

    assertThat(run.exitCode()).isEqualTo(AdaptCommand.ExitCodes.FAILURE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines()).hasSize(1);
    assertThat(run.err())
        .startsWith("plan: error: invalid split point 'conv4_block6_2_conv'")
        .contains("skip connection")
        .contains("conv4_block5_out (before)")
        .contains("conv4_block6_add (after)")
        .doesNotContain("Exception");
  }

  @Test
  void refusesAnUnknownNameWithSimilarValidNames() {
    Run run = adapt("plan", "--model", "builtin:resnet50", "--split-at", "conv4_block6_outt");

    assertThat(run.exitCode()).isEqualTo(AdaptCommand.ExitCodes.FAILURE);
    assertThat(run.err().lines()).hasSize(1);
    assertThat(run.err()).contains("'conv4_block6_outt'").contains("conv4_block6_out");
  }

  @Test
  void refusesADirectoryThatIsNoSavedModel(@TempDir Path empty) {
    Run run = adapt("plan", "--model", empty.toString());

    assertThat(run.exitCode()).isEqualTo(AdaptCommand.ExitCodes.FAILURE);
    assertThat(run.err().lines()).hasSize(1);
    assertThat(run.err()).contains(empty.toString()).contains("not a SavedModel");
  }

  @Test
  void refusesASignatureWithTwoInputsAndListsThem() {
    Path mlp = TestModels.fixtureDirectory(TestModels.MODULE_MLP);

    Run run = adapt("plan", "--model", mlp.toString(), "--signature", "pair");

    assertThat(run.exitCode()).isEqualTo(AdaptCommand.ExitCodes.FAILURE);
    assertThat(run.err().lines()).hasSize(1);
    assertThat(run.err()).contains("'pair'").contains("2 inputs (left, right)");
  }

  @Test
  void plansASavedModelExportedByKeras() throws Exception {
    Path cnn = TestModels.fixtureDirectory(TestModels.KERAS_RESIDUAL_CNN);

    Run run = adapt("plan", "--model", cnn.toString(), "--split-at", "block_out", "--json");

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode plan = JSON.readTree(run.out());
    assertThat(names(plan.get("cutPoints"))).containsExactly("block_out");
    assertThat(plan.get("stages").get(0).get("from").asText()).isEqualTo("image");
    assertThat(plan.get("stages").get(1).get("to").asText()).isEqualTo("output_0");
  }

  @Test
  void balancesByMeasuredCostOnRequest() throws Exception {
    Path cnn = TestModels.fixtureDirectory(TestModels.KERAS_RESIDUAL_CNN);

    Run run =
        adapt("plan", "--model", cnn.toString(), "--stages", "3", "--cost", "measured", "--json");
    Run withoutStages = adapt("plan", "--model", cnn.toString(), "--cost", "measured");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(JSON.readTree(run.out()).get("stages")).hasSize(3);
    assertThat(withoutStages.exitCode()).isEqualTo(AdaptCommand.ExitCodes.USAGE);
    assertThat(withoutStages.err()).contains("give --stages");
  }

  @Test
  void usageErrorsExitWithTwo() {
    Run noStage = adapt("plan", "--stages", "0");
    Run both =
        adapt("plan", "--model", "builtin:resnet50", "--stages", "2", "--split-at", "avg_pool");

    assertThat(noStage.exitCode()).isEqualTo(AdaptCommand.ExitCodes.USAGE);
    assertThat(noStage.err().lines()).hasSize(1);
    assertThat(noStage.err()).contains("--stages must be at least 1, not 0");
    assertThat(both.exitCode()).isEqualTo(AdaptCommand.ExitCodes.USAGE);
    assertThat(both.err()).contains("set exactly one of --split-at and --stages");
  }

  @Test
  void anUnknownBuiltinModelIsAFailure() {
    Run run = adapt("plan", "--model", "builtin:vgg16");

    assertThat(run.exitCode()).isEqualTo(AdaptCommand.ExitCodes.FAILURE);
    assertThat(run.err()).contains("unknown built-in model 'vgg16'").contains("builtin:resnet50");
  }

  @Test
  void aPlanForASlowLinkShowsEachStagesComputeAndTransferAndCutsWhereLessTravels()
      throws Exception {
    Run run =
        adapt(
            "plan",
            "--stages",
            "4",
            "--plan-for-link",
            "100mbit",
            "--device-gflops",
            "23",
            "--json");

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode plan = JSON.readTree(run.out());
    // The FLOPs-balanced cuts are conv3_block1_add, conv4_block1_add, conv4_block5_add; after
    // the ReLU the same blocks' outputs travel 1.38x smaller under LZ4.
    assertThat(names(plan.get("cutPoints")))
        .containsExactly("conv3_block1_out", "conv4_block1_out", "conv4_block5_out");
    JsonNode first = plan.get("stages").get(0);
    assertThat(first.get("inputWireBytesPerItem").asLong()).isEqualTo(224L * 224 * 3 * 4);
    assertThat(first.get("outputWireBytesPerItem").asLong())
        .isEqualTo(Math.round(28L * 28 * 512 * 4 / 1.38));
    // 1.16 MB at 12.5 MB/s, and 2.16 GFLOP at 23 GFLOP/s.
    assertThat(first.get("transferSeconds").asDouble()).isCloseTo(0.0931, within(0.001));
    assertThat(first.get("computeSeconds").asDouble()).isCloseTo(0.094, within(0.001));

    Run table =
        adapt("plan", "--stages", "4", "--plan-for-link", "100mbit", "--device-gflops", "23");
    assertThat(table.out())
        .contains("behind 100.0 Mbit/s links (lz4 on the wire")
        .contains("transfer ms")
        .contains("Slowest: stage 0, 94.0 ms per item");
  }

  @Test
  void withoutALinkThePlanShowsNoTimes() throws Exception {
    Run run = adapt("plan", "--stages", "4", "--json");

    JsonNode plan = JSON.readTree(run.out());
    assertThat(names(plan.get("cutPoints")))
        .containsExactly("conv3_block1_add", "conv4_block1_add", "conv4_block5_add");
    assertThat(plan.get("stages").get(0).has("transferSeconds")).isFalse();
    assertThat(adapt("plan", "--stages", "2", "--device-gflops", "20").err())
        .contains("--device-gflops needs --plan-for-link");
  }

  private static List<String> names(JsonNode array) {
    List<String> names = new ArrayList<>();
    array.forEach(node -> names.add(node.asText()));
    return names;
  }
}
