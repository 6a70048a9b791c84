package dev.adapt.operator.convergence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.operator.OperatorConfig;
import dev.adapt.operator.crd.v1alpha1.EtcdSpec;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.ManagedEtcdSpec;
import dev.adapt.operator.crd.v1alpha1.StageReplicas;
import dev.adapt.operator.testing.Samples;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpecValidatorTest {

  private static final OperatorConfig CONFIG = OperatorConfig.defaults();

  @ParameterizedTest
  @ValueSource(strings = {Samples.BALANCED, Samples.SPLIT_POINTS, Samples.GPU, Samples.SECURED})
  void theSamplesAreValid(String sample) {
    assertThat(SpecValidator.problems(Samples.load(sample, "ml"), CONFIG)).isEmpty();
  }

  @Test
  void splitAtAndStagesExcludeEachOther() {
    InferencePipeline pipeline = Samples.load(Samples.SPLIT_POINTS, "ml");
    pipeline.getSpec().getPartitioning().setStages(4);

    assertThat(SpecValidator.problems(pipeline, CONFIG))
        .containsExactly("spec.partitioning: set exactly one of splitAt and stages");
  }

  @Test
  void zeroStagesAreRejected() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    pipeline.getSpec().getPartitioning().setStages(0);

    assertThat(SpecValidator.problems(pipeline, CONFIG))
        .containsExactly("spec.partitioning.stages must be at least 1, not 0");
  }

  @Test
  void gpusNeedAGpuImage() {
    InferencePipeline pipeline = Samples.load(Samples.GPU, "ml");
    pipeline.getSpec().getWorker().setGpuImage(null);

    assertThat(SpecValidator.problems(pipeline, CONFIG.withWorkerGpuImage("")))
        .singleElement()
        .asString()
        .contains("spec.worker.resources.gpu is 1 but there is no GPU worker image");
    assertThat(SpecValidator.problems(pipeline, CONFIG))
        .as("the operator's default GPU image serves")
        .isEmpty();
  }

  @Test
  void stageOverridesMustNameExistingStagesOnce() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    pipeline
        .getSpec()
        .setStageReplicas(
            List.of(new StageReplicas(1, 2), new StageReplicas(1, 3), new StageReplicas(4, 1)));

    assertThat(SpecValidator.problems(pipeline, CONFIG))
        .containsExactly(
            "spec.stageReplicas names stage 1 twice",
            "spec.stageReplicas names stage 4 but there are 4 stages (0 to 3)");
  }

  @Test
  void splitPointsMustBeDistinct() {
    InferencePipeline pipeline = Samples.load(Samples.SPLIT_POINTS, "ml");
    pipeline.getSpec().getPartitioning().setSplitAt(List.of("a", "b", "a"));

    assertThat(SpecValidator.problems(pipeline, CONFIG))
        .containsExactly("spec.partitioning.splitAt names a twice");
  }

  @Test
  void managedEtcdNeedsAnOddMemberCountAndStorageForMore() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    ManagedEtcdSpec managed = new ManagedEtcdSpec();
    managed.setReplicas(2);
    pipeline.getSpec().getEtcd().setManaged(managed);
    assertThat(SpecValidator.problems(pipeline, CONFIG)).singleElement().asString().contains("odd");

    managed.setReplicas(3);
    assertThat(SpecValidator.problems(pipeline, CONFIG))
        .singleElement()
        .asString()
        .contains("storage is required");
  }

  @Test
  void externalEtcdNeedsUrls() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    pipeline.getSpec().setEtcd(EtcdSpec.external(List.of("etcd:2379")));

    assertThat(SpecValidator.problems(pipeline, CONFIG))
        .containsExactly("spec.etcd.external.endpoints: 'etcd:2379' is not http://host:port");
  }

  @Test
  void theModelUriMustBeOneOfTheThreeForms() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    pipeline.getSpec().getModel().setUri("s3://bucket/model");

    assertThat(SpecValidator.problems(pipeline, CONFIG))
        .singleElement()
        .asString()
        .startsWith("spec.model.uri: model uri 's3://bucket/model' must be builtin:<name>");
  }

  @Test
  void theStageCountFollowsThePartitioning() {
    assertThat(SpecValidator.stageCount(Samples.load(Samples.SPLIT_POINTS, "ml").getSpec()))
        .isEqualTo(8);
    assertThat(SpecValidator.stageCount(Samples.load(Samples.BALANCED, "ml").getSpec()))
        .isEqualTo(4);
  }
}
