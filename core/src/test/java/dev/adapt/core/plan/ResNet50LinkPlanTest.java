package dev.adapt.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.testing.TestModels;
import dev.adapt.core.wire.WireEncoding;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The built-in ResNet-50 (built, not run), planned with and without a link model. */
class ResNet50LinkPlanTest {
  // A fifth of one of this machine's cores: about 34 GFLOP/s on the model's counted FLOPs.
  private static final double DEVICE_FLOPS = 34e9;

  @Test
  void withoutALinkThePlanIsTheFlopsBalancedOne() {
    LoadedModel model = TestModels.resnet50();

    assertThat(Planner.balanced(model, 4).cutPointNames())
        .containsExactly("conv3_block1_add", "conv4_block1_add", "conv4_block5_add");
  }

  @Test
  void onASlowLinkTheCutsMoveAndAreNoSlower() {
    LoadedModel model = TestModels.resnet50();
    LinkModel link = LinkModel.ofBits(100_000_000, DEVICE_FLOPS, WireEncoding.LZ4);

    Plan flops = Planner.balanced(model, 4);
    Plan linked = Planner.balanced(model, 4, link);

    double[] costs = Planner.flopCosts(model);
    assertThat(slowest(Planner.stageTimes(model, linked, costs, link)))
        .isLessThan(slowest(Planner.stageTimes(model, flops, costs, link)));
    // Where a residual block's _add and _out are both candidates, the _out travels smaller.
    assertThat(linked.cutPointNames()).allMatch(name -> !name.endsWith("_add"));
  }

  @Test
  void onAFastLinkTheComputeBalanceStaysAndPrefersOutCuts() {
    LoadedModel model = TestModels.resnet50();
    LinkModel link = LinkModel.ofBits(100_000_000_000L, DEVICE_FLOPS, WireEncoding.LZ4);

    assertThat(Planner.balanced(model, 4, link).cutPointNames())
        .isEqualTo(List.of("conv3_block1_out", "conv4_block1_out", "conv4_block5_out"));
  }

  private static double slowest(List<StageTime> times) {
    return times.stream().mapToDouble(StageTime::seconds).max().orElseThrow();
  }
}
