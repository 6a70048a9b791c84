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
            "--etcd=https://resnet50-split-etcd.ml.svc:2379",
            "--http-port=8000",
            "--grpc-port=8001",
            "--max-batch-size=16",
            "--max-queue-delay-ms=10",
            "--compression=lz4",
            "--float-encoding=exact",
            "--peer-tls-dir=/etc/adapt/peer-tls");
    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .extracting(v -> v.getName() + ":" + v.getSecret().getSecretName())
        .containsExactly("peer-tls:resnet50-split-dispatcher-peer-tls");
    assertThat(container.getVolumeMounts())
        .filteredOn(m -> m.getName().equals("peer-tls"))
        .extracting(m -> m.getMountPath() + ":" + m.getReadOnly())
        .containsExactly("/etc/adapt/peer-tls:true");
    assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot())
        .isTrue();
  }

  @Test
  void aSecuredClientApiMountsItsSecretsReadOnlyAndIsProbedOverHttps() {
    InferencePipeline pipeline = Samples.load(Samples.SECURED, "ml");

    Deployment deployment = DispatcherResources.deployment(pipeline, "dispatcher:test");
    var podSpec = deployment.getSpec().getTemplate().getSpec();
    Container container = podSpec.getContainers().get(0);

    assertThat(podSpec.getVolumes())
        .filteredOn(v -> v.getName().startsWith("client-"))
        .extracting(
            v ->
                v.getName()
                    + ":"
                    + v.getSecret().getSecretName()
                    + ":"
                    + v.getSecret().getItems().stream()
                        .map(i -> i.getKey() + ">" + i.getPath())
                        .toList())
        .containsExactly(
            "client-tls:resnet50-client-tls:[tls.crt>tls.crt, tls.key>tls.key]",
            "client-auth:resnet50-client-tokens:[tokens>tokens]");
    assertThat(container.getVolumeMounts())
        .filteredOn(m -> m.getMountPath().startsWith("/etc/adapt/client-"))
        .extracting(m -> m.getName() + ":" + m.getMountPath() + ":" + m.getReadOnly())
        .containsExactly(
            "client-tls:/etc/adapt/client-tls:true", "client-auth:/etc/adapt/client-auth:true");
    assertThat(container.getArgs())
        .contains(
            "--client-tls-cert=/etc/adapt/client-tls/tls.crt",
            "--client-tls-key=/etc/adapt/client-tls/tls.key",
            "--client-auth-tokens=/etc/adapt/client-auth/tokens");
    for (var probe :
        List.of(
            container.getStartupProbe(),
            container.getReadinessProbe(),
            container.getLivenessProbe())) {
      assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTPS");
      assertThat(probe.getHttpGet().getPath()).startsWith("/v2/health/");
    }
    assertThat(DispatcherResources.endpoint(pipeline))
        .isEqualTo("https://resnet50-secured-dispatcher.ml.svc:8000");
  }

  @Test
  void aPlainClientApiIsProbedOverHttpWithNoSecretsMounted() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");

    var podSpec = DispatcherResources.deployment(pipeline, "d").getSpec().getTemplate().getSpec();

    assertThat(podSpec.getVolumes())
        .noneMatch(v -> v.getName().startsWith("client-"))
        .filteredOn(v -> v.getSecret() != null)
        .extracting(v -> v.getSecret().getSecretName())
        .containsExactly("resnet50-dispatcher-peer-tls");
    assertThat(podSpec.getContainers().get(0).getReadinessProbe().getHttpGet().getScheme())
        .isEqualTo("HTTP");
    assertThat(podSpec.getContainers().get(0).getArgs())
        .noneMatch(arg -> arg.startsWith("--client-"));
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
