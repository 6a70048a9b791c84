package dev.adapt.operator.convergence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.SpecRecord;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineSpec;
import dev.adapt.operator.testing.Samples;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PartitioningRequestTest {

  @Test
  void theFirstRequestIsGenerationOne() {
    InferencePipelineSpec spec = Samples.load(Samples.BALANCED, "ml").getSpec();

    assertThat(PartitioningRequest.next(spec, Optional.empty()))
        .isEqualTo(new SpecRecord("builtin:resnet50", "serving_default", null, 4, 1));
  }

  @Test
  void anUnchangedRequestKeepsItsGeneration() {
    InferencePipelineSpec spec = Samples.load(Samples.BALANCED, "ml").getSpec();
    SpecRecord stored = new SpecRecord("builtin:resnet50", "serving_default", null, 4, 7);

    spec.setReplicasPerStage(3);
    spec.setStandbyWorkers(2);

    assertThat(PartitioningRequest.next(spec, Optional.of(stored))).isSameAs(stored);
  }

  @Test
  void newSplitPointsOrAModelMakeTheNextGeneration() {
    InferencePipelineSpec spec = Samples.load(Samples.SPLIT_POINTS, "ml").getSpec();
    SpecRecord stored = new SpecRecord("builtin:resnet50", "serving_default", null, 4, 7);

    SpecRecord next = PartitioningRequest.next(spec, Optional.of(stored));

    assertThat(next.generation()).isEqualTo(8);
    assertThat(next.stages()).isNull();
    assertThat(next.splitAt()).hasSize(7).startsWith("conv2_block1_add");

    spec.getModel().setUri("pvc://models/resnet");
    assertThat(PartitioningRequest.next(spec, Optional.of(next)))
        .isEqualTo(
            new SpecRecord(
                "/mnt/models/resnet",
                "serving_default",
                List.copyOf(spec.getPartitioning().getSplitAt()),
                null,
                9));
  }
}
