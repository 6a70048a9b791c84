package dev.adapt.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.PartitioningSpec;
import dev.adapt.operator.testing.Samples;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import org.junit.jupiter.api.Test;

class DispatcherResourcesTest {

  @Test
  void theDispatcherServesOipWithHealthProbes() {
    InferencePipeline pipeline = Samples.load(Samples.SPLIT_POINTS, "ml");

    Deployment deployment = DispatcherResources.deployment(pipeline, "dispatcher:test");
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);

    assertThat(container.getPorts())
        .extracting(p -> p.getName() + ":" + p.getContainerPort())
        .containsExactly("http:8000", "grpc:8001");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/live");
    assertThat(
            deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal())
        .isZero();
    assertThat(container.getArgs())
        .as("model and partitioning come from etcd, not from flags")
        .containsExactly(
            "--pipeline=ml.resnet50-split",
            "--etcd=http://resnet50-split-etcd.ml.svc:2379",
            "--http-port=8000",
            "--grpc-port=8001",
            "--max-batch-size=16",
            "--max-queue-delay-ms=10",
            "--compression=lz4");
    assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot())
        .isTrue();
  }

  @Test
  void aModelOnAClaimIsMountedReadOnly() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    pipeline.getSpec().getModel().setUri("pvc://models/resnet/saved");

    Deployment deployment = DispatcherResources.deployment(pipeline, "dispatcher:test");
    var podSpec = deployment.getSpec().getTemplate().getSpec();

    assertThat(podSpec.getVolumes())
        .filteredOn(v -> v.getPersistentVolumeClaim() != null)
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("models");
              assertThat(v.getPersistentVolumeClaim().getReadOnly()).isTrue();
            });
    assertThat(podSpec.getContainers().get(0).getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/mnt/models"));
  }

  @Test
  void aNewPartitioningOrModelInTheSameClaimLeavesThePodTemplateAlone() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    pipeline.getSpec().getModel().setUri("pvc://models/resnet/v1");
    var before = DispatcherResources.deployment(pipeline, "d").getSpec().getTemplate();

    pipeline.getSpec().setPartitioning(PartitioningSpec.splitAt(List.of("conv3_block4_out")));
    pipeline.getSpec().getModel().setUri("pvc://models/resnet/v2");
    pipeline.getSpec().getModel().setSignature("other");

    assertThat(DispatcherResources.deployment(pipeline, "d").getSpec().getTemplate())
        .as("the dispatcher re-plans in place; a changed template would roll it anyway")
        .isEqualTo(before);
  }

  @Test
  void theServiceExposesTheThreePortsWithTheChosenType() {
    InferencePipeline pipeline = Samples.load(Samples.GPU, "ml");

    Service service = DispatcherResources.service(pipeline);

    assertThat(service.getSpec().getType()).isEqualTo("LoadBalancer");
    assertThat(service.getSpec().getPorts())
        .extracting(ServicePort::getName)
        .containsExactly("http", "grpc", "metrics");
    assertThat(service.getSpec().getPorts().get(2).getTargetPort().getStrVal())
        .as("metrics are served on the REST port")
        .isEqualTo("http");
    assertThat(DispatcherResources.endpoint(pipeline))
        .isEqualTo("http://resnet50-gpu-dispatcher.ml.svc:8000");
    assertThat(service.getSpec().getSelector())
        .isEqualTo(
            DispatcherResources.deployment(pipeline, "d").getSpec().getSelector().getMatchLabels());
  }
}
