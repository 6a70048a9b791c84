package dev.adapt.operator.convergence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.SpecRecord;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineSpec;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineStatus;
import dev.adapt.operator.crd.v1alpha1.PlanRollout;
import dev.adapt.operator.status.Conditions;
import dev.adapt.operator.testing.Samples;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.ArrayList;
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

  @Test
  void aNewPipelineAsksForGenerationOneWhereEtcdHoldsNoRequest() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    pipeline.getMetadata().setGeneration(1L);

    assertThat(PartitioningRequest.generationWithoutStored(pipeline)).isEqualTo(1);
  }

  @Test
  void afterEtcdLostItsKeysTheRequestKeepsTheGenerationTheStatusRecords() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    pipeline.getMetadata().setGeneration(5L);
    InferencePipelineStatus status = new InferencePipelineStatus();
    status.setObservedGeneration(5L);
    status.setPlanGeneration(3L);
    pipeline.setStatus(status);

    // In service and wanted: the dispatcher resolved it already and cuts nothing again.
    assertThat(PartitioningRequest.generationWithoutStored(pipeline)).isEqualTo(3);
    assertThat(PartitioningRequest.next(pipeline.getSpec(), Optional.empty(), 3).generation())
        .isEqualTo(3);

    // Being rolled out: the wanted one.
    PlanRollout rollout = new PlanRollout(4);
    status.setRollout(rollout);
    assertThat(PartitioningRequest.generationWithoutStored(pipeline)).isEqualTo(4);
  }

  @Test
  void afterEtcdLostItsKeysAnUnrecordedRequestGetsAGenerationOfItsOwn() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    InferencePipelineStatus status = new InferencePipelineStatus();
    status.setPlanGeneration(3L);
    PlanRollout rollout = new PlanRollout(4);
    rollout.setPlanGeneration(4L);
    status.setRollout(rollout);
    pipeline.setStatus(status);

    // The spec changed after the status was written: no recorded generation asked for it.
    pipeline.getMetadata().setGeneration(6L);
    status.setObservedGeneration(5L);
    assertThat(PartitioningRequest.generationWithoutStored(pipeline)).isEqualTo(5);

    // The dispatcher rejected the wanted plan, whose generation the status does not name.
    status.setObservedGeneration(6L);
    status.setRollout(null);
    status.setConditions(
        new ArrayList<>(
            List.of(
                new ConditionBuilder()
                    .withType(Conditions.INVALID_SPEC)
                    .withStatus("True")
                    .withReason("PlanRejected")
                    .build())));
    assertThat(PartitioningRequest.generationWithoutStored(pipeline)).isEqualTo(4);
  }
}
